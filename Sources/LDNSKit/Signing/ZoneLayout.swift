internal import CLDNS
import DaneModel
import FoundationEssentials
import OpenSSLKit

/// The zone in canonical order with what DNSSEC needs to know of each name: its RRsets, whether
/// it is authoritative, a delegation point, occluded (glue under a cut) or an empty
/// non-terminal, and its place in the NSEC or NSEC3 chain. Built once, then read by every
/// signing thread.
/// Unchecked Sendable: built by one thread (its parallel steps write disjoint slots and join),
/// then only read.
final class ZoneLayout: @unchecked Sendable {
    enum Kind: UInt8 { case authoritative, delegation, occluded, emptyNonTerminal }

    struct RRset {
        var first: Int32
        var count: Int32
        var type: UInt16
        var signed: Bool
    }

    struct Name {
        /// A record (or, for an empty non-terminal, a record-shaped stub) with this name's key.
        var keyRecord: UInt64
        var firstRRset: Int32
        var rrsetCount: Int32
        var kind: Kind
        /// NSEC: the next name in the chain; NSEC3: this name's slot in `hashes`; -1 without one.
        var denial: Int32 = -1
    }

    let store: RecordStore
    // Written only while building (`build` and the extensions it calls: ZoneLayout+Names,
    // +DenialChains), read by every signing thread afterwards.
    var order: [UInt64] = []
    var rrsets: [RRset] = []
    var names: [Name] = []
    /// RRsets whose records had different TTLs (all take the first's, RFC 2181 §5.2), by
    /// owner and type, the first few only.
    var mixedTTLs: [String] = []
    var mixedTTLCount = 0
    let apexKey: [UInt8]
    let denial: SigningOptions.Denial
    /// TTL of NSEC/NSEC3 records: the smaller of the SOA's TTL and MINIMUM (RFC 9077).
    let denialTTL: UInt32
    /// NSEC3: 20-byte hashes by slot, and for each slot the slot that follows it in hash order.
    var hashes: [UInt8] = []
    var nextSlot: [Int32] = []

    private init(store: RecordStore, apexKey: [UInt8], denial: SigningOptions.Denial, denialTTL: UInt32) {
        self.store = store
        self.apexKey = apexKey
        self.denial = denial
        self.denialTTL = denialTTL
    }

    func record(_ index: Int) -> PackedRecord { store.record(order[index]) }
    func key(of name: Name) -> UnsafeBufferPointer<UInt8> { store.record(name.keyRecord).key }

    /// The key-set RRsets the key-signing keys sign: DNSKEY, CDS, CDNSKEY.
    static func signedByKSK(_ type: UInt16) -> Bool {
        type == RRType.dnskey.rawValue || type == RRType.cds.rawValue || type == RRType.cdnskey.rawValue
    }

    // MARK: - Building

    static func build(
        _ zone: ZoneFile, keys: [DNSSECKey], denial: SigningOptions.Denial, childSync: SigningOptions.ChildSync = .none,
        threads: Int
    ) throws(LDNSError) -> ZoneLayout {
        let store = zone.store
        // The records the signer adds: the (updated) SOA, the keys' DNSKEYs, NSEC3PARAM.
        let own = store.adopt(ByteArena())
        let packer = RecordPacker()
        var added: [UInt64] = []
        func add(_ rr: RRPointer) { added.append(store.append(to: own) { packer.pack(rr, into: $0) }) }
        guard let soaCopy = ldns_rr_clone(zone.soa) else { throw LDNSError("out of memory") }
        add(soaCopy)
        ldns_rr_free(soaCopy)
        let soaTTL = ldns_rr_ttl(zone.soa)
        for key in keys {
            guard let dnskey = ldns_rr_clone(key.dnskey) else { throw LDNSError("out of memory") }
            ldns_rr_set_ttl(dnskey, soaTTL)
            add(dnskey)
            ldns_rr_free(dnskey)
        }
        for text in try childSyncRecords(keys: keys, childSync: childSync, ttl: soaTTL) {
            var record: RRPointer?
            let status = ldns_rr_new_frm_str(&record, text, 3600, ldns_rr_owner(zone.soa), nil)
            guard status == LDNS_STATUS_OK, let record else {
                throw LDNSError.status(status, "cannot make the record \(text)")
            }
            add(record)
            ldns_rr_free(record)
        }
        if case .nsec3 = denial {
            var param: RRPointer?
            let status = ldns_rr_new_frm_str(
                &param, "@ \(soaTTL) IN NSEC3PARAM \(NSEC3Parameters.rfc9276.paramPresentation)", 3600,
                ldns_rr_owner(zone.soa), nil)
            guard status == LDNS_STATUS_OK, let param else {
                throw LDNSError.status(status, "cannot make the NSEC3PARAM record")
            }
            add(param)
            ldns_rr_free(param)
        }
        let soa = store.record(added[0])
        let apexKey = Array(soa.key)
        let minimum = soa.rdata.count >= 4 ? readU32(soa.rdata.baseAddress! + soa.rdata.count - 4) : soaTTL
        let layout = ZoneLayout(store: store, apexKey: apexKey, denial: denial, denialTTL: min(soaTTL, minimum))

        var ours = Set<[UInt8]>()
        for ref in added.dropFirst() where store.record(ref).type == RRType.dnskey.rawValue {
            ours.insert(Array(store.record(ref).rdata))
        }
        var candidates: [UInt64] = []
        candidates.reserveCapacity(zone.refs.count + added.count)
        try apexKey.withUnsafeBufferPointer { (apex) throws(LDNSError) in
            for ref in zone.refs {
                let record = store.record(ref)
                if record.type == RRType.soa.rawValue { continue }
                guard NameKey.isAtOrBelow(record.key, apex) else {
                    throw LDNSError(
                        "record \"\(NameKey.text(record.key)) \(record.type == 0 ? "" : typeText(record.type)) "
                            + "\(String(decoding: record.text, as: UTF8.self))\" is outside zone \(zone.origin)")
                }
                if record.type == RRType.dnskey.rawValue, ours.contains(Array(record.rdata)) { continue }
                // With --cds or --cds-delete, the signer's CDS/CDNSKEY replace the file's.
                if childSync != .none && (record.type == RRType.cds.rawValue || record.type == RRType.cdnskey.rawValue)
                {
                    continue
                }
                // What BIND and NSD would refuse to load is refused here, with the name.
                guard record.rrclass == 1 else {
                    throw LDNSError(
                        "\(NameKey.text(record.key)) \(typeText(record.type)): class \(record.rrclass) in an IN zone; only class IN is signed"
                    )
                }
                guard record.ttl <= UInt32(Int32.max) else {
                    throw LDNSError(
                        "\(NameKey.text(record.key)) \(typeText(record.type)): TTL \(record.ttl) is above 2^31-1 (RFC 2181 §8)"
                    )
                }
                candidates.append(ref)
            }
        }
        candidates += added
        layout.order = sortCanonically(candidates, store: store, threads: threads)
        try layout.groupNames()
        switch denial {
        case .nsec: layout.linkNSEC()
        case .nsec3(let optOut): try layout.hashNSEC3(optOut: optOut, threads: threads)
        }
        return layout
    }

    static func typeText(_ type: UInt16) -> String {
        takeString(ldns_rr_type2str(ldns_rr_type(rawValue: UInt32(type))))
    }

    /// How many RRsets get signatures and how many signatures that makes with these keys.
    func signingCounts(dnskeySigners: Int, zoneSigners: Int) -> (rrsets: Int, signatures: Int) {
        var sets = 0, signatures = 0
        for set in rrsets where set.signed {
            sets += 1
            signatures += Self.signedByKSK(set.type) ? dnskeySigners : zoneSigners
        }
        let denials = names.filter { $0.denial >= 0 }.count
        return (sets + denials, signatures + denials * zoneSigners)
    }
}
