import DaneModel
import Foundation
internal import CLDNS
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
    private(set) var order: [UInt64] = []
    private(set) var rrsets: [RRset] = []
    private(set) var names: [Name] = []
    /// RRsets whose records had different TTLs (all take the first's, RFC 2181 §5.2), by
    /// owner and type, the first few only.
    private(set) var mixedTTLs: [String] = []
    private(set) var mixedTTLCount = 0
    let apexKey: [UInt8]
    let denial: SigningOptions.Denial
    /// TTL of NSEC/NSEC3 records: the smaller of the SOA's TTL and MINIMUM (RFC 9077).
    let denialTTL: UInt32
    /// NSEC3: 20-byte hashes by slot, and for each slot the slot that follows it in hash order.
    private(set) var hashes: [UInt8] = []
    private(set) var nextSlot: [Int32] = []

    private init(store: RecordStore, apexKey: [UInt8], denial: SigningOptions.Denial, denialTTL: UInt32) {
        self.store = store
        self.apexKey = apexKey
        self.denial = denial
        self.denialTTL = denialTTL
    }

    func record(_ index: Int) -> PackedRecord { store.record(order[index]) }
    func key(of name: Name) -> UnsafeBufferPointer<UInt8> { store.record(name.keyRecord).key }

    static let typeNS: UInt16 = 2, typeSOA: UInt16 = 6, typeDS: UInt16 = 43, typeRRSIG: UInt16 = 46, typeNSEC: UInt16 = 47
    static let typeCDS: UInt16 = 59, typeCDNSKEY: UInt16 = 60

    /// The key-set RRsets the key-signing keys sign: DNSKEY, CDS, CDNSKEY.
    static func signedByKSK(_ type: UInt16) -> Bool { type == typeDNSKEY || type == typeCDS || type == typeCDNSKEY }

    static let typeDNSKEY: UInt16 = 48, typeNSEC3: UInt16 = 50, typeNSEC3PARAM: UInt16 = 51, typeCNAME: UInt16 = 5, typeDNAME: UInt16 = 39

    // MARK: - Building

    static func build(_ zone: ZoneFile, keys: [DNSSECKey], denial: SigningOptions.Denial, childSync: SigningOptions.ChildSync = .none,
                      threads: Int) throws(LDNSError) -> ZoneLayout {
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
            guard status == LDNS_STATUS_OK, let record else { throw LDNSError.status(status, "cannot make the record \(text)") }
            add(record)
            ldns_rr_free(record)
        }
        if case .nsec3 = denial {
            var param: RRPointer?
            let status = ldns_rr_new_frm_str(&param, "@ \(soaTTL) IN NSEC3PARAM \(NSEC3Parameters.rfc9276.paramPresentation)", 3600, ldns_rr_owner(zone.soa), nil)
            guard status == LDNS_STATUS_OK, let param else { throw LDNSError.status(status, "cannot make the NSEC3PARAM record") }
            add(param)
            ldns_rr_free(param)
        }
        let soa = store.record(added[0])
        let apexKey = Array(soa.key)
        let minimum = soa.rdata.count >= 4 ? readU32(soa.rdata.baseAddress! + soa.rdata.count - 4) : soaTTL
        let layout = ZoneLayout(store: store, apexKey: apexKey, denial: denial, denialTTL: min(soaTTL, minimum))

        var ours = Set<[UInt8]>()
        for ref in added.dropFirst() where store.record(ref).type == typeDNSKEY { ours.insert(Array(store.record(ref).rdata)) }
        var candidates: [UInt64] = []
        candidates.reserveCapacity(zone.refs.count + added.count)
        try apexKey.withUnsafeBufferPointer { (apex) throws(LDNSError) in
            for ref in zone.refs {
                let record = store.record(ref)
                if record.type == typeSOA { continue }
                guard NameKey.isAtOrBelow(record.key, apex) else {
                    throw LDNSError("record \"\(NameKey.text(record.key)) \(record.type == 0 ? "" : typeText(record.type)) "
                                    + "\(String(decoding: record.text, as: UTF8.self))\" is outside zone \(zone.origin)")
                }
                if record.type == typeDNSKEY, ours.contains(Array(record.rdata)) { continue }
                // With --cds or --cds-delete, the signer's CDS/CDNSKEY replace the file's.
                if childSync != .none && (record.type == typeCDS || record.type == typeCDNSKEY) { continue }
                // What BIND and NSD would refuse to load is refused here, with the name.
                guard record.rrclass == 1 else {
                    throw LDNSError("\(NameKey.text(record.key)) \(typeText(record.type)): class \(record.rrclass) in an IN zone; only class IN is signed")
                }
                guard record.ttl <= UInt32(Int32.max) else {
                    throw LDNSError("\(NameKey.text(record.key)) \(typeText(record.type)): TTL \(record.ttl) is above 2^31-1 (RFC 2181 §8)")
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

    static func typeText(_ type: UInt16) -> String { takeString(ldns_rr_type2str(ldns_rr_type(rawValue: UInt32(type)))) }

    /// Sorts record offsets in canonical order (parts on every core, then merged) and drops
    /// exact duplicates (an RRset is a set).
    static func sortCanonically(_ offsets: [UInt64], store: RecordStore, threads: Int) -> [UInt64] {
        let less: @Sendable (UInt64, UInt64) -> Bool = { PackedRecord.compare(store.record($0), store.record($1)) < 0 }
        let parts = max(1, min(threads, offsets.count / 4096))
        let sorted = ParallelSlots<[UInt64]>(count: parts)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let slice = offsets[offsets.count * part / parts..<offsets.count * (part + 1) / parts]
            sorted.store(part, slice.sorted(by: less))
        }
        var runs = sorted.values.map { $0 ?? [] }
        while runs.count > 1 {
            var merged: [[UInt64]] = []
            for pair in stride(from: 0, to: runs.count, by: 2) {
                if pair + 1 == runs.count { merged.append(runs[pair]); continue }
                let a = runs[pair], b = runs[pair + 1]
                var out: [UInt64] = []
                out.reserveCapacity(a.count + b.count)
                var i = 0, j = 0
                while i < a.count && j < b.count {
                    if less(b[j], a[i]) { out.append(b[j]); j += 1 } else { out.append(a[i]); i += 1 }
                }
                out += a[i...]
                out += b[j...]
                merged.append(out)
            }
            runs = merged
        }
        var unique: [UInt64] = []
        unique.reserveCapacity(runs.first?.count ?? 0)
        for ref in runs.first ?? [] {
            if let last = unique.last, PackedRecord.compare(store.record(last), store.record(ref)) == 0 { continue }
            unique.append(ref)
        }
        return unique
    }

    /// Names and RRsets from the sorted records; delegation points, occluded names and, for
    /// NSEC3, the empty non-terminals (RFC 5155 §7.1).
    private func groupNames() throws(LDNSError) {
        var emptyNonTerminals: [(before: Int, key: [UInt8])] = []
        let wantsEmptyNonTerminals: Bool = { if case .nsec3 = denial { true } else { false } }()
        var cut: [UInt8]?
        var i = 0
        while i < order.count {
            let first = store.record(order[i])
            var name = Name(keyRecord: order[i], firstRRset: Int32(rrsets.count), rrsetCount: 0, kind: .authoritative)
            var hasNS = false, hasDNAME = false
            var types: Set<UInt16> = []
            while i < order.count {
                let record = store.record(order[i])
                guard NameKey.compare(record.key, first.key) == 0 else { break }
                var set = RRset(first: Int32(i), count: 0, type: record.type, signed: true)
                var mixed = false
                while i < order.count {
                    let next = store.record(order[i])
                    guard next.type == set.type, NameKey.compare(next.key, first.key) == 0 else { break }
                    mixed = mixed || next.ttl != record.ttl
                    set.count += 1
                    i += 1
                }
                if mixed {
                    mixedTTLCount += 1
                    if mixedTTLs.count < 5 { mixedTTLs.append("\(NameKey.text(record.key)) \(Self.typeText(record.type))") }
                }
                if set.type == Self.typeNS { hasNS = true }
                if set.type == Self.typeDNAME { hasDNAME = true }
                types.insert(set.type)
                rrsets.append(set)
                name.rrsetCount += 1
            }
            let isApex = first.key.elementsEqual(apexKey)
            if let cutKey = cut, cutKey.withUnsafeBufferPointer({ NameKey.isAtOrBelow(first.key, $0) }) {
                name.kind = .occluded
            } else if hasNS && !isApex {
                name.kind = .delegation
                cut = Array(first.key)
            } else {
                // Below a DNAME every name is occluded, as below a cut (RFC 6672 §2.4).
                cut = hasDNAME ? Array(first.key) : nil
            }
            if name.kind != .occluded {
                let owner = NameKey.text(first.key)
                if isApex, types.contains(Self.typeCNAME) { throw LDNSError("\(owner) is the zone apex and cannot be a CNAME") }
                if types.contains(Self.typeCNAME), !types.subtracting([Self.typeCNAME, Self.typeRRSIG, Self.typeNSEC]).isEmpty {
                    throw LDNSError("\(owner) has a CNAME and other data (RFC 1034 §3.6.2); BIND and NSD refuse such a zone")
                }
                if isApex, types.contains(Self.typeDS) { throw LDNSError("\(owner): a DS record belongs in the parent zone, not at this zone's apex") }
            }
            for r in Int(name.firstRRset)..<rrsets.count {
                switch name.kind {
                case .occluded: rrsets[r].signed = false
                case .delegation: rrsets[r].signed = rrsets[r].type == Self.typeDS
                default: break
                }
            }
            // In canonical order a name's existing ancestors are ancestors of the name before it
            // too (a subtree is contiguous), so the empty non-terminals it needs are its ancestors
            // up to the first one that the previous name sits under.
            if wantsEmptyNonTerminals && name.kind != .occluded && !isApex, let previous = names.last {
                let previousKey = store.record(previous.keyRecord).key
                var missing: [[UInt8]] = []
                var length = NameKey.parentLength(first.key) ?? 0
                while length > apexKey.count {
                    let ancestor = UnsafeBufferPointer(rebasing: first.key[0..<length])
                    if NameKey.isAtOrBelow(previousKey, ancestor) { break }
                    missing.append(Array(ancestor))
                    length = NameKey.parentLength(ancestor) ?? 0
                }
                for key in missing.reversed() { emptyNonTerminals.append((names.count, key)) }
            }
            names.append(name)
        }
        guard let apex = names.first, store.record(apex.keyRecord).key.elementsEqual(apexKey) else {
            throw LDNSError("the zone has no records at its apex")
        }
        guard !emptyNonTerminals.isEmpty else { return }
        // Stubs for the empty non-terminals' keys, then merge them into the name list in order.
        var stubs: [UInt64] = []
        let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        let arena = store.adopt(ByteArena())
        for item in emptyNonTerminals {
            stubs.append(store.append(to: arena) { arena in
                item.key.withUnsafeBufferPointer {
                    PackedRecord.append(key: $0, type: 0, rrclass: 1, ttl: 0, rdata: empty, text: empty, to: arena)
                }
            })
        }
        var merged: [Name] = []
        merged.reserveCapacity(names.count + stubs.count)
        var e = 0
        for (index, name) in names.enumerated() {
            while e < emptyNonTerminals.count && emptyNonTerminals[e].before == index {
                merged.append(Name(keyRecord: stubs[e], firstRRset: 0, rrsetCount: 0, kind: .emptyNonTerminal))
                e += 1
            }
            merged.append(name)
        }
        names = merged
    }

    /// NSEC: every authoritative name and delegation point points at the next one, the last
    /// back at the apex (RFC 4034 §4.1.1).
    private func linkNSEC() {
        let chain = names.indices.filter { names[$0].kind == .authoritative || names[$0].kind == .delegation }
        for (position, index) in chain.enumerated() {
            names[index].denial = Int32(chain[(position + 1) % chain.count])
        }
    }

    /// NSEC3 with `NSEC3Parameters.rfc9276` (SHA-1, no extra iterations, empty salt, so one
    /// SHA-1 over the wire name): hashes every
    /// name that gets an NSEC3 (not occluded names; with opt-out, not unsigned delegations),
    /// then links them in hash order.
    private func hashNSEC3(optOut: Bool, threads: Int) throws(LDNSError) {
        let members = names.indices.filter { index in
            let name = names[index]
            switch name.kind {
            case .occluded: return false
            case .delegation:
                return !optOut || rrsetTypes(of: name).contains(Self.typeDS)
            default: return true
            }
        }
        hashes = [UInt8](repeating: 0, count: members.count * 20)
        let parts = max(1, min(threads, members.count / 2048))
        let results = ParallelSlots<[UInt8]>(count: parts)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let range = members.count * part / parts..<members.count * (part + 1) / parts
            var out = [UInt8](repeating: 0, count: range.count * 20)
            var wire: [UInt8] = []
            for (n, member) in range.enumerated() {
                wire.removeAll(keepingCapacity: true)
                NameKey.appendWire(key(of: names[members[member]]), to: &wire)
                Digest.sha1(wire, into: &out, at: n * 20)
            }
            results.store(part, out)
        }
        var offset = 0
        for part in results.values { hashes.replaceSubrange(offset..<offset + part!.count, with: part!); offset += part!.count }
        for (slot, member) in members.enumerated() { names[member].denial = Int32(slot) }
        // Sorted on the first 8 bytes, ties (practically never) settled on all 20.
        let byHash = hashes.withUnsafeBufferPointer { all -> [Int] in
            var entries = (0..<members.count).map { slot -> (prefix: UInt64, slot: Int) in
                var prefix: UInt64 = 0
                for i in 0..<8 { prefix = prefix << 8 | UInt64(all[slot * 20 + i]) }
                return (prefix, slot)
            }
            entries.sort { a, b in
                a.prefix != b.prefix ? a.prefix < b.prefix : memcmp(all.baseAddress! + a.slot * 20, all.baseAddress! + b.slot * 20, 20) < 0
            }
            return entries.map(\.slot)
        }
        nextSlot = [Int32](repeating: 0, count: members.count)
        for (position, slot) in byHash.enumerated() {
            let next = byHash[(position + 1) % byHash.count]
            if byHash.count > 1, hashes[slot * 20..<slot * 20 + 20] == hashes[next * 20..<next * 20 + 20] {
                throw LDNSError("two names have the same NSEC3 hash; sign this zone with NSEC")
            }
            nextSlot[slot] = Int32(next)
        }
    }

    func rrsetTypes(of name: Name) -> [UInt16] {
        (Int(name.firstRRset)..<Int(name.firstRRset + name.rrsetCount)).map { rrsets[$0].type }
    }

    /// The types an NSEC or NSEC3 record lists for `name`, ascending (RFC 4035 §2.3, RFC 5155
    /// §7.1): at a delegation only NS and DS; RRSIG when the name has signatures (always for
    /// NSEC, which is itself signed there).
    func deniedTypes(of name: Name, into types: inout [UInt16]) {
        types.removeAll(keepingCapacity: true)
        var signed = false
        for r in Int(name.firstRRset)..<Int(name.firstRRset + name.rrsetCount) {
            let set = rrsets[r]
            signed = signed || set.signed
            if name.kind != .delegation || set.type == Self.typeNS || set.type == Self.typeDS { types.append(set.type) }
        }
        switch denial {
        case .nsec: types += [Self.typeRRSIG, Self.typeNSEC]
        case .nsec3: if signed { types.append(Self.typeRRSIG) }
        }
        types.sort()  // a handful of entries, nearly sorted already
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

extension ZoneLayout {
    /// The apex CDS and CDNSKEY records `childSync` asks for, in presentation form.
    static func childSyncRecords(keys: [DNSSECKey], childSync: SigningOptions.ChildSync, ttl: UInt32) throws(LDNSError) -> [String] {
        switch childSync {
        case .none:
            return []
        case .delete:
            return ["@ \(ttl) IN CDS 0 0 0 00", "@ \(ttl) IN CDNSKEY 0 3 0 AA=="]
        case .publish:
            let ksks = keys.filter(\.isKSK)
            var records: [String] = []
            for key in ksks.isEmpty ? keys : ksks {
                records.append("@ \(ttl) IN CDS " + (try key.dsRDATA()))
                records.append("@ \(ttl) IN CDNSKEY " + key.dnskeyRDATA)
            }
            return records
        }
    }
}
