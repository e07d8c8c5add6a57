import FoundationEssentials
import Glibc
import OpenSSLKit
import ThreadKit

/// The RRSIGs a zone file already had, so that re-signing can keep each one that still
/// verifies instead of making a new one (then two signed versions of a zone differ only where
/// the zone changed).
///
/// Kept small, since a signed zone holds as many signatures as RRsets: per signature its
/// fixed fields and signature bytes, found through a 64-bit hash of owner, type covered,
/// algorithm and key tag. A hash that matches the wrong owner can only cost a fresh signature:
/// nothing is kept that its seal or a verify over today's RRset does not prove.
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
        /// The seal written beside it, when the fast line reader saw one.
        let seal: SignatureSeal.Mark?
    }

    /// Owns the two blocks `base` and `entries` point into: held for as long as they are read,
    /// never read through itself.
    private let collected: OldSignatureCollector
    private let base: UnsafeMutablePointer<UInt8>
    /// (hash, offset), sorted by hash: the collector's index, sorted in place.
    private let entries: UnsafeMutableBufferPointer<OldSignatureList.Entry>
    /// The seals the zone file carried (sorted): signatures danectl made, provable by hashing.
    private let seals: [SignatureSeal.Mark]

    var count: Int { entries.count }

    /// Takes over what parsing collected; `seals` are those of the lines ldns read.
    init(_ collected: OldSignatureCollector, seals: [SignatureSeal.Mark] = []) {
        self.collected = collected
        self.seals = seals
        base = collected.signatures.base
        entries = collected.index.withEntries { $0 }
        Self.sortByHash(entries)
    }

    /// Quicksort in place (no second copy of the index; hashes are uniform, so plain
    /// middle pivots do well), insertion sort for short runs.
    private static func sortByHash(_ items: UnsafeMutableBufferPointer<OldSignatureList.Entry>) {
        var stack: [(Int, Int)] = [(0, items.count - 1)]
        while let (low, high) = stack.popLast() {
            guard high > low else { continue }
            if high - low < 16 {
                for i in (low + 1)...high {
                    let item = items[i]
                    var j = i - 1
                    while j >= low, items[j].hash > item.hash {
                        items[j + 1] = items[j]
                        j -= 1
                    }
                    items[j + 1] = item
                }
                continue
            }
            let pivot = items[low + (high - low) / 2].hash
            var i = low, j = high
            while i <= j {
                while items[i].hash < pivot { i += 1 }
                while items[j].hash > pivot { j -= 1 }
                if i <= j {
                    items.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            stack.append((low, j))
            stack.append((i, high))
        }
    }

    /// Whether this is the old signature's seal: the one beside it, or any the zone file
    /// carried on lines ldns read.
    func sealed(_ mark: SignatureSeal.Mark, of found: Found) -> Bool {
        found.seal == mark || SignatureSeals.contains(seals, mark)
    }

    /// The old RRSIG over (owner, type) by this key, if the zone had one.
    func find(ownerWire: [UInt8], type: UInt16, algorithm: UInt8, keyTag: UInt16) -> Found? {
        let hash = ownerWire.withUnsafeBufferPointer {
            OldSignatureList.hash(ownerWire: $0, type: type, algorithm: algorithm, keyTag: keyTag)
        }
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].hash < hash { low = middle + 1 } else { high = middle }
        }
        while low < entries.count, entries[low].hash == hash {
            let found = OldSignatureList.found(at: base + Int(entries[low].place))
            if readU16(found.fixed.baseAddress!) == type, found.fixed[2] == algorithm,
                readU16(found.fixed.baseAddress! + 16) == keyTag
            {
                return found
            }
            low += 1
        }
        return nil
    }
}

/// The old signatures of the piece a parsing thread is reading (one per thread, emptied for
/// each piece): `[18 fixed bytes][signature length u16][signature][seal flag u8][seal, 16 bytes,
/// if flagged]` per signature, and its hash.
final class OldSignatureList {
    struct Entry {
        let hash: UInt64
        /// Offset of the signature's bytes (here, then in the collector).
        let place: UInt64
    }

    let arena = ByteArena(capacity: 1 << 16)
    private(set) var entries: [Entry] = []

    func removeAll() {
        arena.removeAll()
        entries.removeAll(keepingCapacity: true)
    }

    /// Adds an RRSIG by its owner (canonical wire format) and canonical rdata; `signerLength`
    /// is the length of the signer's name inside it.
    func add(
        ownerWire: UnsafeBufferPointer<UInt8>, rdata: UnsafeBufferPointer<UInt8>, signerLength: Int,
        seal: SignatureSeal.Mark? = nil
    ) {
        guard rdata.count > 18 + signerLength, let base = rdata.baseAddress else { return }
        let hash = Self.hash(ownerWire: ownerWire, type: readU16(base), algorithm: base[2], keyTag: readU16(base + 16))
        entries.append(Entry(hash: hash, place: UInt64(arena.count)))
        let signature = UnsafeBufferPointer(rebasing: rdata[(18 + signerLength)...])
        arena.append(UnsafeBufferPointer(rebasing: rdata[0..<18]))
        arena.appendU16(UInt16(signature.count))
        arena.append(signature)
        if let seal {
            arena.append(1)
            arena.appendU64(seal.high)
            arena.appendU64(seal.low)
        } else {
            arena.append(0)
        }
    }

    static func found(at base: UnsafePointer<UInt8>) -> OldSignatures.Found {
        let length = Int(readU16(base + 18))
        let flag = base + 20 + length
        return OldSignatures.Found(
            fixed: UnsafeBufferPointer(start: base, count: 18),
            signature: UnsafeBufferPointer(start: base + 20, count: length),
            seal: flag[0] == 1 ? SignatureSeal.Mark(high: readU64(flag + 1), low: readU64(flag + 9)) : nil)
    }

    /// FNV-1a over the owner, then the type, algorithm and key tag, finished with a
    /// multiply-xorshift so that near names spread.
    static func hash(ownerWire: UnsafeBufferPointer<UInt8>, type: UInt16, algorithm: UInt8, keyTag: UInt16) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in ownerWire { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        hash ^= UInt64(type) << 24 | UInt64(algorithm) << 16 | UInt64(keyTag)
        hash = (hash ^ (hash >> 33)) &* 0xff51_afd7_ed55_8ccd
        hash = (hash ^ (hash >> 33)) &* 0xc4ce_b9fe_1a85_ec53
        return hash ^ (hash >> 33)
    }
}

/// Every old signature of the zone, gathered from the parsing threads' lists into two growing
/// blocks (the signatures' bytes and a (hash, offset) index), so that a zone's worth of them
/// leaves no per-piece arrays behind to merge.
/// Unchecked Sendable: `take` locks; once parsing is over it is only read.
final class OldSignatureCollector: @unchecked Sendable {
    let signatures = ByteArena(capacity: 1 << 20)
    let index = ByteArena(capacity: 1 << 20)
    private let lock = Lock()
    private(set) var count = 0

    /// Appends a thread's list (then emptied for its next piece).
    func take(_ list: OldSignatureList) {
        guard !list.entries.isEmpty else { return }
        lock.lock()
        let offset = UInt64(signatures.count)
        signatures.append(UnsafeBufferPointer(start: list.arena.base, count: list.arena.count))
        for entry in list.entries {
            index.appendU64Native(entry.hash)
            index.appendU64Native(entry.place + offset)
        }
        count += list.entries.count
        lock.unlock()
        list.removeAll()
    }
}

extension ByteArena {
    /// The arena read as index entries (written with `appendU64Native`, 16 bytes each; malloc
    /// aligns the block for them).
    func withEntries<R>(_ body: (UnsafeMutableBufferPointer<OldSignatureList.Entry>) -> R) -> R {
        let typed = UnsafeMutableRawPointer(base).bindMemory(to: OldSignatureList.Entry.self, capacity: count / 16)
        return body(UnsafeMutableBufferPointer(start: typed, count: count / 16))
    }
}
