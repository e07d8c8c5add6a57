internal import CLDNS
import DaneModel
import Dispatch
import FoundationEssentials
import Glibc
import OpenSSLKit
internal import WorkSharing

/// Authenticated denial: the NSEC chain (RFC 4034 §4) or the NSEC3 chain (RFC 5155), and the
/// type bitmaps each name's record lists.
extension ZoneLayout {
    /// NSEC: every authoritative name and delegation point points at the next one, the last
    /// back at the apex (RFC 4034 §4.1.1).
    func linkNSEC() {
        let chain = names.indices.filter { names[$0].kind == .authoritative || names[$0].kind == .delegation }
        for (position, index) in chain.enumerated() {
            names[index].denial = Int32(chain[(position + 1) % chain.count])
        }
    }

    /// NSEC3 with `NSEC3Parameters.rfc9276` (SHA-1, no extra iterations, empty salt, so one
    /// SHA-1 over the wire name): hashes every
    /// name that gets an NSEC3 (not occluded names; with opt-out, not unsigned delegations),
    /// then links them in hash order.
    func hashNSEC3(optOut: Bool, threads: Int) throws(LDNSError) {
        let members = names.indices.filter { index in
            let name = names[index]
            switch name.kind {
            case .occluded: return false
            case .delegation:
                return !optOut || rrsetTypes(of: name).contains(RRType.ds.rawValue)
            default: return true
            }
        }
        hashes = [UInt8](repeating: 0, count: members.count * 20)
        let parts = max(1, min(threads, members.count / 2048))
        let results = Slots<[UInt8]>(count: parts)
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
        for part in results.values {
            hashes.replaceSubrange(offset..<offset + part!.count, with: part!); offset += part!.count
        }
        for (slot, member) in members.enumerated() { names[member].denial = Int32(slot) }
        // Sorted on the first 8 bytes, ties (practically never) settled on all 20.
        let byHash = hashes.withUnsafeBufferPointer { all -> [Int] in
            var entries = (0..<members.count).map { slot -> (prefix: UInt64, slot: Int) in
                var prefix: UInt64 = 0
                for i in 0..<8 { prefix = prefix << 8 | UInt64(all[slot * 20 + i]) }
                return (prefix, slot)
            }
            entries.sort { a, b in
                a.prefix != b.prefix
                    ? a.prefix < b.prefix
                    : memcmp(all.baseAddress! + a.slot * 20, all.baseAddress! + b.slot * 20, 20) < 0
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
            if name.kind != .delegation || set.type == RRType.ns.rawValue || set.type == RRType.ds.rawValue {
                types.append(set.type)
            }
        }
        switch denial {
        case .nsec: types += [RRType.rrsig.rawValue, RRType.nsec.rawValue]
        case .nsec3: if signed { types.append(RRType.rrsig.rawValue) }
        }
        types.sort()  // a handful of entries, nearly sorted already
    }
}
