import FoundationEssentials

extension DNSKEYData {
    /// RFC 4034 Appendix B: the key tag RRSIG and DS records name this key by.
    public var keyTag: UInt16 {
        let rdata = [UInt8(flags >> 8), UInt8(flags & 0xFF), `protocol`, algorithm] + publicKey
        var sum: UInt32 = 0
        for (index, byte) in rdata.enumerated() { sum += index & 1 == 0 ? UInt32(byte) << 8 : UInt32(byte) }
        sum += (sum >> 16) & 0xFFFF
        return UInt16(sum & 0xFFFF)
    }
}

/// What ldns says about one signature checked with one key.
public enum SignatureVerdict: String, Sendable, Codable {
    case valid
    case expired
    case notYetValid = "not-yet-valid"
    case invalid
    case unsupportedAlgorithm = "unsupported-algorithm"
}

/// The first broken link of a DNSSEC chain of trust, from the anchor down: what a validating
/// sender tripped over when it called an answer bogus (5.7.324 dnssec-invalid), with what is
/// needed to name it (key tags, flags, dates) and the fix. One per bogus answer.
public struct ChainBreak: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable {
        /// No trust anchor matches any DNSKEY of the root the resolver serves.
        case anchorMatchesNoKey = "anchor-matches-no-key"
        /// No DS at the parent matches any DNSKEY of the zone.
        case dsMatchesNoKey = "ds-matches-no-key"
        /// The DNSKEY RRset is not signed by a key a DS names.
        case keysNotSignedByDSKey = "dnskey-not-signed-by-ds-key"
        case signatureExpired = "signature-expired"
        case signatureNotYetValid = "signature-not-yet-valid"
        /// A signature (by the right key, within its dates) that does not verify: data changed after signing.
        case signatureInvalid = "signature-invalid"
        case signatureMissing = "signature-missing"
        /// Signed by a key the zone does not publish.
        case signerUnknown = "signer-unknown"
        case algorithmUnsupported = "algorithm-unsupported"
        /// NXDOMAIN or NODATA without a valid NSEC/NSEC3 proof.
        case denialUnproven = "denial-unproven"
    }

    public struct Key: Sendable, Codable, Hashable {
        public let keyTag: UInt16, flags: UInt16, algorithm: UInt8
        public init(keyTag: UInt16, flags: UInt16, algorithm: UInt8) {
            (self.keyTag, self.flags, self.algorithm) = (keyTag, flags, algorithm)
        }
    }

    public struct DS: Sendable, Codable, Hashable {
        public let keyTag: UInt16, algorithm: UInt8, digestType: UInt8, digest: String
        public init(keyTag: UInt16, algorithm: UInt8, digestType: UInt8, digest: String) {
            (self.keyTag, self.algorithm, self.digestType, self.digest) = (keyTag, algorithm, digestType, digest)
        }
    }

    public struct Signature: Sendable, Codable, Hashable {
        public let signer: String, keyTag: UInt16, algorithm: UInt8, inception: Date, expiration: Date
        public init(signer: String, keyTag: UInt16, algorithm: UInt8, inception: Date, expiration: Date) {
            (self.signer, self.keyTag, self.algorithm, self.inception, self.expiration) = (
                signer, keyTag, algorithm, inception, expiration
            )
        }
    }

    public let kind: Kind
    /// The zone whose data or keys are at fault.
    public let zone: String
    /// The RRset whose validation broke (`example.com. DNSKEY`, `_25._tcp.mx.example.com. TLSA`).
    public let owner: String
    public let type: String
    public let ds: [DS]
    public let keys: [Key]
    public let signatures: [Signature]

    public init(
        kind: Kind, zone: String, owner: String, type: String, ds: [DS] = [], keys: [Key] = [],
        signatures: [Signature] = []
    ) {
        self.kind = kind
        self.zone = zone
        self.owner = owner
        self.type = type
        self.ds = ds
        self.keys = keys
        self.signatures = signatures
    }

    private var dsText: String {
        ds.map { "\($0.keyTag) (algorithm \($0.algorithm), digest type \($0.digestType))" }.joined(separator: ", ")
    }
    private var keyText: String {
        keys.map { "\($0.keyTag) (\($0.flags & 1 == 1 ? "KSK" : "ZSK"), flags \($0.flags), algorithm \($0.algorithm))" }
            .joined(separator: ", ")
    }
    private var signatureText: String {
        signatures.map {
            "by \($0.signer) key \($0.keyTag), valid \(RFC3339.string($0.inception)) to \(RFC3339.string($0.expiration))"
        }.joined(separator: "; ")
    }

    /// One line: the link and the evidence.
    public var description: String {
        switch kind {
        case .anchorMatchesNoKey:
            "the trust anchors (key tags \(dsText)) match none of the root DNSKEY records the resolver serves (\(keyText))"
        case .dsMatchesNoKey:
            "the DS records for \(zone) in its parent (key tags \(dsText)) match none of its DNSKEY records (\(keyText))"
        case .keysNotSignedByDSKey:
            "the DNSKEY RRset of \(zone) is not signed by a key its DS names (DS key tags \(dsText); RRSIGs \(signatureText.isEmpty ? "none" : signatureText))"
        case .signatureExpired:
            "the RRSIG over \(owner) \(type) expired: \(signatureText)"
        case .signatureNotYetValid:
            "the RRSIG over \(owner) \(type) is not valid yet: \(signatureText)"
        case .signatureInvalid:
            "the RRSIG over \(owner) \(type) does not verify (\(signatureText)): the data changed after it was signed, or the signature is damaged"
        case .signatureMissing:
            "\(owner) \(type) has no RRSIG, though \(zone) is signed"
        case .signerUnknown:
            "\(owner) \(type) is signed by key \(signatures.map { String($0.keyTag) }.joined(separator: ", ")), which \(zone) does not publish (its keys: \(keyText))"
        case .algorithmUnsupported:
            "\(owner) \(type) is signed with an algorithm this validator does not support (\(signatureText))"
        case .denialUnproven:
            "\(owner) \(type) is denied (NXDOMAIN or no data) without a valid NSEC/NSEC3 proof from \(zone)"
        }
    }

    /// The fix, in the seed's spirit: dates, DS, or signatures, never new records.
    public var fix: String {
        switch kind {
        case .anchorMatchesNoKey:
            return
                "this resolver serves a root that is not the one the anchors name (a private or test DNS, or an interception): "
                + "use a resolver that reaches the real root, or give --trust-anchor with this root's keys"
        case .dsMatchesNoKey:
            let ksk = keys.first { $0.flags & 1 == 1 } ?? keys.first
            return
                "publish at the parent of \(zone) a DS for its key \(ksk.map { String($0.keyTag) } ?? "(none published)") (`danectl ds K\(zone)+...`) and remove the stale DS "
                + "\(ds.map { String($0.keyTag) }.joined(separator: ", ")); or put the key with tag \(ds.first.map { String($0.keyTag) } ?? "?") back in \(zone)"
        case .keysNotSignedByDSKey:
            return
                "sign the DNSKEY RRset of \(zone) with the key its DS names (tag \(ds.map { String($0.keyTag) }.joined(separator: ", "))), "
                + "or publish a DS for the key that signs it"
        case .signatureExpired, .signatureNotYetValid:
            return
                "re-sign \(zone) with valid dates (and check the signer's clock); automate re-signing well before expiry (`danectl sign --refresh`)"
        case .signatureInvalid, .signatureMissing:
            return "re-sign \(zone) after every change to its records (edit, then sign; never edit a signed zone file)"
        case .signerUnknown:
            return "re-sign \(zone) with the keys it publishes, or publish the key that signed"
        case .algorithmUnsupported:
            return "sign \(zone) with a widely supported algorithm (13, ECDSA P-256 SHA-256, or 8, RSA SHA-256)"
        case .denialUnproven:
            return "re-sign \(zone) so its NSEC or NSEC3 chain is complete and current"
        }
    }
}
