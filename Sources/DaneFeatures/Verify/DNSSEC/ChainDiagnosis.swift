import DaneModel
import FoundationEssentials
import LDNSKit

/// Finds the first broken link of the chain of trust behind a bogus answer, walking from the
/// root down as a validator does: at each zone cut, the parent's DS must name a DNSKEY, the
/// DNSKEY RRset must be signed by that key within its dates, and finally the answer's RRset
/// must be signed, in date, by a key of its zone. The data comes from the same resolver with
/// checking disabled, so it is what the validator saw. The root's own keys are taken as the
/// resolver's anchor took them.
struct ChainDiagnosis {
    let lookup: any DNSLookup
    let now: Date

    func diagnose(_ name: DNSName, _ type: RRType) -> ChainBreak? {
        guard let target = lookup.unchecked(name, type) else { return nil }
        var suffixes: [DNSName] = []
        for count in 0...name.labels.count { suffixes.append(DNSName(labels: Array(name.labels.suffix(count)))) }
        var zoneKeys: [DNSRecord] = []
        var zone = DNSName(labels: [])
        for apex in suffixes {
            guard let keysAnswer = lookup.unchecked(apex, .dnskey) else { return nil }
            let keys = keysAnswer.answer.filter { $0.type == .dnskey && $0.owner == apex }
            guard !keys.isEmpty else { continue }  // not a zone apex (or an unsigned zone)
            let keySignatures = keysAnswer.answer.filter { $0.owner == apex && Self.covers($0, .dnskey) }
            var entryKeys = keys.filter { if case .dnskey(let key) = $0.data { key.isKeySigningKey } else { false } }
            if apex.labels.isEmpty, let anchorText = lookup.trustAnchors {
                // Validating here: the root's keys must be the ones the anchors name.
                let anchors = AnchoredValidator.anchorRecords(anchorText)
                let trusted = keys.filter { key in
                    anchors.contains { $0.type == .ds ? SignatureCheck.ds($0, names: key) : $0.data == key.data }
                }
                if trusted.isEmpty {
                    return ChainBreak(
                        kind: .anchorMatchesNoKey, zone: ".", owner: ".", type: "DNSKEY",
                        ds: anchors.compactMap(Self.dsInfo), keys: keys.compactMap(Self.keyInfo))
                }
                entryKeys = trusted
            }
            if !apex.labels.isEmpty {
                let ds = (lookup.unchecked(apex, .ds)?.answer ?? []).filter { $0.type == .ds && $0.owner == apex }
                if ds.isEmpty { break }  // an unsigned delegation: the chain ends insecure above this zone
                let named = ds.filter { record in keys.contains { SignatureCheck.ds(record, names: $0) } }
                if named.isEmpty {
                    return ChainBreak(
                        kind: .dsMatchesNoKey, zone: apex.fqdn, owner: apex.fqdn, type: "DS",
                        ds: ds.compactMap(Self.dsInfo),
                        keys: keys.compactMap(Self.keyInfo))
                }
                let namedTags = Set(named.compactMap { if case .ds(let d) = $0.data { d.keyTag } else { nil } })
                entryKeys = keys.filter {
                    if case .dnskey(let key) = $0.data { namedTags.contains(key.keyTag) } else { false }
                }
                let bySigned = keySignatures.filter {
                    if case .rrsig(let sig) = $0.data { namedTags.contains(sig.keyTag) } else { false }
                }
                if bySigned.isEmpty {
                    return ChainBreak(
                        kind: .keysNotSignedByDSKey, zone: apex.fqdn, owner: apex.fqdn, type: "DNSKEY",
                        ds: named.compactMap(Self.dsInfo), keys: keys.compactMap(Self.keyInfo),
                        signatures: keySignatures.compactMap(Self.signatureInfo))
                }
            }
            if let broken = check(
                keys, keySignatures, signedBy: entryKeys.isEmpty ? keys : entryKeys, zone: apex, owner: apex,
                type: .dnskey)
            {
                return broken
            }
            zoneKeys = keys
            zone = apex
        }
        guard !zoneKeys.isEmpty else { return nil }
        // The answer itself: its RRset (or a CNAME standing in for it), or its denial.
        let rrset = target.answer.filter { $0.owner == name && ($0.type == type || $0.type == .cname) }
        guard let answered = rrset.first?.type else {
            return ChainBreak(kind: .denialUnproven, zone: zone.fqdn, owner: name.fqdn, type: type.description)
        }
        let signatures = target.answer.filter { $0.owner == name && Self.covers($0, answered) }
        return check(
            rrset.filter { $0.type == answered }, signatures, signedBy: zoneKeys, zone: zone, owner: name,
            type: answered)
    }

    /// The best any signature over `rrset` does with `keys`; nil when one validates.
    func check(
        _ rrset: [DNSRecord], _ signatures: [DNSRecord], signedBy keys: [DNSRecord], zone: DNSName, owner: DNSName,
        type: RRType
    ) -> ChainBreak? {
        func broken(_ kind: ChainBreak.Kind, _ sigs: [DNSRecord]) -> ChainBreak {
            ChainBreak(
                kind: kind, zone: zone.fqdn, owner: owner.fqdn, type: type.description,
                keys: keys.compactMap(Self.keyInfo),
                signatures: sigs.compactMap(Self.signatureInfo))
        }
        guard !signatures.isEmpty else { return broken(.signatureMissing, []) }
        var verdicts: [(SignatureVerdict, DNSRecord)] = []
        for signature in signatures {
            guard case .rrsig(let sig) = signature.data else { continue }
            let candidates = keys.filter {
                if case .dnskey(let key) = $0.data {
                    key.keyTag == sig.keyTag && key.algorithm == sig.algorithm
                } else {
                    false
                }
            }
            for key in candidates {
                let verdict = SignatureCheck.verify(rrset, signature, with: key, at: now)
                if verdict == .valid { return nil }
                verdicts.append((verdict, signature))
            }
        }
        guard let worst = verdicts.first else { return broken(.signerUnknown, signatures) }
        // Name the most telling reason: dates first (the seed's first suspect), then the rest.
        for (verdict, kind) in [
            (SignatureVerdict.expired, ChainBreak.Kind.signatureExpired), (.notYetValid, .signatureNotYetValid),
            (.unsupportedAlgorithm, .algorithmUnsupported), (.invalid, .signatureInvalid),
        ] {
            let matching = verdicts.filter { $0.0 == verdict }.map(\.1)
            if !matching.isEmpty { return broken(kind, matching) }
        }
        return broken(.signatureInvalid, [worst.1])
    }

    static func covers(_ record: DNSRecord, _ type: RRType) -> Bool {
        if case .rrsig(let sig) = record.data { return sig.typeCovered == type }
        return false
    }

    static func dsInfo(_ record: DNSRecord) -> ChainBreak.DS? {
        guard case .ds(let d) = record.data else { return nil }
        return ChainBreak.DS(
            keyTag: d.keyTag, algorithm: d.algorithm, digestType: d.digestType, digest: Hex.encode(d.digest))
    }

    static func keyInfo(_ record: DNSRecord) -> ChainBreak.Key? {
        guard case .dnskey(let k) = record.data else { return nil }
        return ChainBreak.Key(keyTag: k.keyTag, flags: k.flags, algorithm: k.algorithm)
    }

    static func signatureInfo(_ record: DNSRecord) -> ChainBreak.Signature? {
        guard case .rrsig(let s) = record.data else { return nil }
        return ChainBreak.Signature(
            signer: s.signer.fqdn, keyTag: s.keyTag, algorithm: s.algorithm, inception: s.inceptionDate,
            expiration: s.expirationDate)
    }
}
