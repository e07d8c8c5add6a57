internal import CLDNS
import DaneModel
import FoundationEssentials
import OpenSSLKit

/// From records in canonical order to names and RRsets, with each name's role in the zone.
extension ZoneLayout {
    /// Names and RRsets from the sorted records; delegation points, occluded names and, for
    /// NSEC3, the empty non-terminals (RFC 5155 §7.1).
    func groupNames() throws(LDNSError) {
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
                    if mixedTTLs.count < 5 {
                        mixedTTLs.append("\(NameKey.text(record.key)) \(Self.typeText(record.type))")
                    }
                }
                if set.type == RRType.ns.rawValue { hasNS = true }
                if set.type == RRType.dname.rawValue { hasDNAME = true }
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
                if isApex, types.contains(RRType.cname.rawValue) {
                    throw LDNSError("\(owner) is the zone apex and cannot be a CNAME")
                }
                if types.contains(RRType.cname.rawValue),
                    !types.subtracting([RRType.cname.rawValue, RRType.rrsig.rawValue, RRType.nsec.rawValue]).isEmpty
                {
                    throw LDNSError(
                        "\(owner) has a CNAME and other data (RFC 1034 §3.6.2); BIND and NSD refuse such a zone")
                }
                if isApex, types.contains(RRType.ds.rawValue) {
                    throw LDNSError("\(owner): a DS record belongs in the parent zone, not at this zone's apex")
                }
            }
            for r in Int(name.firstRRset)..<rrsets.count {
                switch name.kind {
                case .occluded: rrsets[r].signed = false
                case .delegation: rrsets[r].signed = rrsets[r].type == RRType.ds.rawValue
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
            stubs.append(
                store.append(to: arena) { arena in
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
}
