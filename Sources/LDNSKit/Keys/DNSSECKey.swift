internal import CLDNS
import DaneModel
import FoundationEssentials
import Glibc
import PlainText

/// A DNSSEC key pair in BIND's file format (`K<zone>.+<alg>+<tag>.key` / `.private`), the
/// format ldns-signzone and dnssec-signzone read.
///
/// The private half lives only inside the owned `ldns_key` and in `privateFileText`, which
/// callers write to a 0600 file and nowhere else.
/// Unchecked Sendable: immutable after init; signing threads make their own signers from
/// `privateText` rather than share the ldns key.
public final class DNSSECKey: @unchecked Sendable {
    private let ownedKey: OwnedKey
    private let ownedRecord: OwnedRR
    var key: KeyPointer { ownedKey.pointer }
    /// The DNSKEY record as the `.key` file has it.
    var dnskey: RRPointer { ownedRecord.pointer }
    /// Kept so that signing threads can each load their own copy (ldns keys carry mutable
    /// inception and expiration fields).
    let privateText: String

    public let zone: String
    public let flags: UInt16
    public let algorithm: UInt8
    public let keyTag: UInt16

    /// True for a key-signing key (SEP bit, flags 257).
    public var isKSK: Bool { flags & 1 == 1 }

    /// `K<zone>.+<alg>+<tag>` (zone with its trailing dot, as BIND names it).
    public var baseName: String {
        "K\(zone)+\(Printf.zeroPadded(Int(algorithm), width: 3))+\(Printf.zeroPadded(Int(keyTag), width: 5))"
    }

    private init(key ownedKey: OwnedKey, dnskey ownedRecord: OwnedRR, privateText: String) {
        self.ownedKey = ownedKey
        self.ownedRecord = ownedRecord
        let key = ownedKey.pointer, dnskey = ownedRecord.pointer
        self.privateText = privateText
        zone = takeString(ldns_rdf2str(ldns_rr_owner(dnskey))).lowercased()
        flags = ldns_rdf2native_int16(ldns_rr_rdf(dnskey, 0))
        algorithm = ldns_rdf2native_int8(ldns_rr_rdf(dnskey, 2))
        keyTag = ldns_calc_keytag(dnskey)
        ldns_key_set_keytag(key, keyTag)
        ldns_key_set_flags(key, flags)
        // The setter does not free an owner set before (generate sets one): free it here.
        if let previous = ldns_key_pubkey_owner(key) { ldns_rdf_deep_free(previous) }
        ldns_key_set_pubkey_owner(key, ldns_rdf_clone(ldns_rr_owner(dnskey)))
    }

    // MARK: - Making keys

    public static func generate(
        zone: String, algorithm: DNSSECAlgorithm, ksk: Bool, ttl: UInt32 = 3600
    ) throws(LDNSError) -> DNSSECKey {
        guard
            let made = ldns_key_new_frm_algorithm(ldns_signing_algorithm(UInt32(algorithm.rawValue)), algorithm.keyBits)
        else {
            throw LDNSError("could not generate a \(algorithm.mnemonic) key")
        }
        let key = OwnedKey(made)
        guard let owner = ldns_dname_new_frm_str(absolute(zone)) else {
            throw LDNSError("\"\(zone)\" is not a valid zone name")
        }
        ldns_key_set_pubkey_owner(key.pointer, owner)
        ldns_key_set_flags(key.pointer, ksk ? 257 : 256)
        guard let record = ldns_key2rr(key.pointer) else { throw LDNSError("could not make the DNSKEY record") }
        let dnskey = OwnedRR(record)
        ldns_rr_set_ttl(dnskey.pointer, ttl)
        let text = takeString(ldns_key2str(key.pointer))
        return DNSSECKey(key: key, dnskey: dnskey, privateText: text)
    }

    // MARK: - Reading BIND-format key files

    /// Reads `<base>.key` and `<base>.private`; `path` may name either file or the base.
    public static func load(path: String) throws(LDNSError) -> DNSSECKey {
        let base =
            path.hasSuffix(".key") || path.hasSuffix(".private")
            ? String(path[..<path.lastIndex(of: ".")!]) : path
        let keyText = try read("\(base).key")
        let privateText = try read("\(base).private")

        let dnskeys = keyText.split(separator: "\n").map(String.init).filter {
            let line = $0.trimmed()
            return !line.isEmpty && !line.hasPrefix(";")
        }
        guard dnskeys.count == 1 else {
            throw LDNSError("\(base).key: expected one DNSKEY record, found \(dnskeys.count) lines")
        }
        var parsed: RRPointer?
        let status = ldns_rr_new_frm_str(&parsed, dnskeys[0], 3600, nil, nil)
        guard status == LDNS_STATUS_OK, let parsed else {
            throw LDNSError.status(status, "\(base).key does not hold a DNSKEY record")
        }
        let record = OwnedRR(parsed), dnskey = parsed
        guard ldns_rr_get_type(dnskey) == LDNS_RR_TYPE_DNSKEY, ldns_rr_rd_count(dnskey) == 4 else {
            throw LDNSError(
                "\(base).key holds a \(takeString(ldns_rr_type2str(ldns_rr_get_type(dnskey)))) record, not a DNSKEY")
        }
        var line: Int32 = 0
        var loaded: KeyPointer?
        let privateStatus = withTextStream(privateText) { ldns_key_new_frm_fp_l(&loaded, $0, &line) } ?? LDNS_STATUS_ERR
        guard privateStatus == LDNS_STATUS_OK, let loaded else {
            throw LDNSError.status(privateStatus, "\(base).private is not a readable private key", line: Int(line))
        }
        let owned = OwnedKey(loaded), key = loaded
        let keyAlgorithm = ldns_rdf2native_int8(ldns_rr_rdf(dnskey, 2))
        guard UInt32(keyAlgorithm) == ldns_key_algorithm(key).rawValue else {
            throw LDNSError(
                "\(base).key says algorithm \(keyAlgorithm) but \(base).private holds an algorithm \(ldns_key_algorithm(key).rawValue) key"
            )
        }
        // The public key derived from the private file must be the one the .key file publishes.
        ldns_key_set_pubkey_owner(key, ldns_rdf_clone(ldns_rr_owner(dnskey)))
        ldns_key_set_flags(key, ldns_rdf2native_int16(ldns_rr_rdf(dnskey, 0)))
        let derived = ldns_key2rr(key)
        defer { if let derived { ldns_rr_free(derived) } }
        guard let derived, ldns_rdf_compare(ldns_rr_rdf(derived, 3), ldns_rr_rdf(dnskey, 3)) == 0 else {
            throw LDNSError("\(base).key and \(base).private do not belong together (different public keys)")
        }
        return DNSSECKey(key: owned, dnskey: record, privateText: privateText)
    }

    private static func read(_ path: String) throws(LDNSError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LDNSError(
                "cannot read \(path): "
                    + (FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"),
                unreadable: true)
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func absolute(_ zone: String) -> String { zone.hasSuffix(".") ? zone : zone + "." }

    // MARK: - Files and records

    /// The `.key` file: a comment and the DNSKEY record.
    public var publicFileText: String {
        "; This is a \(isKSK ? "key-signing" : "zone-signing") key, keyid \(keyTag), for \(zone)\n" + dnskeyRecord
            + "\n"
    }

    /// The `.private` file (Private-key-format v1.2). Secret: write it with mode 0600 only.
    public var privateFileText: String { privateText }

    /// The DNSKEY record in presentation form, one line.
    public var dnskeyRecord: String { takeString(ldns_rr2str(dnskey)).trimmed(.newlines) }

    /// The DS record for the parent zone (digest type 2, SHA-256; RFC 4509).
    public func dsRecord() throws(LDNSError) -> String {
        guard let ds = ldns_key_rr2ds(dnskey, LDNS_SHA256) else { throw LDNSError("could not compute the DS record") }
        defer { ldns_rr_free(ds) }
        return takeString(ldns_rr2str(ds)).trimmed(.newlines)
    }

    /// The DS RDATA (SHA-256): what CDS carries too (RFC 7344 §3.1).
    public func dsRDATA() throws(LDNSError) -> String {
        guard let ds = ldns_key_rr2ds(dnskey, LDNS_SHA256) else { throw LDNSError("could not compute the DS record") }
        defer { ldns_rr_free(ds) }
        return (0..<ldns_rr_rd_count(ds)).map { takeString(ldns_rdf2str(ldns_rr_rdf(ds, $0))) }.joined(separator: " ")
    }

    /// The DNSKEY RDATA: what CDNSKEY carries too (RFC 7344 §3.2).
    public var dnskeyRDATA: String {
        (0..<ldns_rr_rd_count(dnskey)).map { takeString(ldns_rdf2str(ldns_rr_rdf(dnskey, $0))) }.joined(separator: " ")
    }

    /// The records a child publishes for its parent to pick up: CDS and/or CDNSKEY lines.
    public func childRecords(cds: Bool, cdnskey: Bool) throws(LDNSError) -> [String] {
        let ttl = ldns_rr_ttl(dnskey)
        return (cds ? ["\(zone) \(ttl) IN CDS \(try dsRDATA())"] : [])
            + (cdnskey ? ["\(zone) \(ttl) IN CDNSKEY \(dnskeyRDATA)"] : [])
    }

    /// True when `other` is this key's DNSKEY (same flags, algorithm and public key).
    func publishes(_ record: RRPointer) -> Bool {
        ldns_rr_get_type(record) == LDNS_RR_TYPE_DNSKEY && ldns_rr_rd_count(record) == 4
            && (0..<4).allSatisfy { ldns_rdf_compare(ldns_rr_rdf(record, $0), ldns_rr_rdf(dnskey, $0)) == 0 }
    }
}

/// An owned `ldns_key`: freed (deeply) when the last reference goes, on every path.
final class OwnedKey {
    let pointer: KeyPointer
    init(_ pointer: KeyPointer) { self.pointer = pointer }
    deinit { ldns_key_deep_free(pointer) }
}

/// An owned `ldns_rr`.
final class OwnedRR {
    let pointer: RRPointer
    init(_ pointer: RRPointer) { self.pointer = pointer }
    deinit { ldns_rr_free(pointer) }
}
