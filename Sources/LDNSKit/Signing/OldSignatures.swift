import Foundation
import OpenSSLKit

/// The RRSIGs a zone file already had, indexed by owner, type covered, algorithm and key tag,
/// so that re-signing can keep each one that still verifies instead of making a new one (then
/// two signed versions of a zone differ only where the zone changed).
/// Unchecked Sendable: read-only once built; signing threads only read it.
final class OldSignatures: @unchecked Sendable {
    /// An old signature's fields, as the RRSIG maker needs them.
    struct Found {
        /// The RRSIG rdata before the signer's name: type, algorithm, labels, original TTL,
        /// expiration, inception, key tag (RFC 4034 §3.1), 18 bytes.
        let fixed: UnsafeBufferPointer<UInt8>
        let signature: UnsafeBufferPointer<UInt8>
        var labels: UInt8 { fixed[3] }
        var originalTTL: UInt32 { readU32(fixed.baseAddress! + 4) }
        var expiration: UInt32 { readU32(fixed.baseAddress! + 8) }
        var inception: UInt32 { readU32(fixed.baseAddress! + 12) }
    }

    private let store: RecordStore
    private var keys: [UInt8] = []
    private var starts: [Int] = [0]
    private var refs: [UInt64] = []
    private var order: [Int32] = []
    /// The seals the zone file carried (sorted): signatures danectl made, provable by hashing.
    private let seals: [SignatureSeal.Mark]

    var count: Int { refs.count }

    /// Indexes the RRSIGs among `refs` that the zone's own name (`signerWire`) made.
    init(refs candidates: [UInt64], store: RecordStore, signerWire: [UInt8], seals: [SignatureSeal.Mark] = []) {
        self.store = store
        self.seals = seals
        refs.reserveCapacity(candidates.count)
        for ref in candidates {
            let record = store.record(ref)
            let rdata = record.rdata
            guard rdata.count > 18 + signerWire.count,
                rdata[18..<18 + signerWire.count].elementsEqual(signerWire)
            else { continue }
            NameKey.appendWire(record.key, to: &keys)
            keys += [rdata[0], rdata[1], rdata[2], rdata[16], rdata[17]]
            starts.append(keys.count)
            refs.append(ref)
        }
        order = Array(0..<Int32(refs.count))
        keys.withUnsafeBufferPointer { all in
            order.sort { Self.compare(all, starts, Int($0), all, starts, Int($1)) < 0 }
        }
        self.signerLength = signerWire.count
    }

    private var signerLength = 0

    private static func compare(
        _ a: UnsafeBufferPointer<UInt8>, _ aStarts: [Int], _ i: Int,
        _ b: UnsafeBufferPointer<UInt8>, _ bStarts: [Int], _ j: Int
    ) -> Int {
        let x = UnsafeBufferPointer(rebasing: a[aStarts[i]..<aStarts[i + 1]])
        let y = UnsafeBufferPointer(rebasing: b[bStarts[j]..<bStarts[j + 1]])
        let common = min(x.count, y.count)
        if common > 0 {
            let result = memcmp(x.baseAddress!, y.baseAddress!, common)
            if result != 0 { return Int(result) }
        }
        return x.count - y.count
    }

    /// Whether the zone file carried this seal.
    func sealed(_ mark: SignatureSeal.Mark) -> Bool { SignatureSeals.contains(seals, mark) }

    /// The old RRSIG over (owner, type) by this key, if the zone had one.
    func find(ownerWire: [UInt8], type: UInt16, algorithm: UInt8, keyTag: UInt16) -> Found? {
        guard !refs.isEmpty else { return nil }
        let probe =
            ownerWire + [UInt8(type >> 8), UInt8(type & 0xFF), algorithm, UInt8(keyTag >> 8), UInt8(keyTag & 0xFF)]
        let probeStarts = [0, probe.count]
        var low = 0, high = order.count - 1
        let hit: Int? = keys.withUnsafeBufferPointer { all in
            probe.withUnsafeBufferPointer { p in
                while low <= high {
                    let middle = (low + high) / 2
                    let c = Self.compare(all, starts, Int(order[middle]), p, probeStarts, 0)
                    if c == 0 { return Int(order[middle]) }
                    if c < 0 { low = middle + 1 } else { high = middle - 1 }
                }
                return nil
            }
        }
        guard let hit else { return nil }
        let rdata = store.record(refs[hit]).rdata
        return Found(
            fixed: UnsafeBufferPointer(rebasing: rdata[0..<18]),
            signature: UnsafeBufferPointer(rebasing: rdata[(18 + signerLength)...]))
    }
}
