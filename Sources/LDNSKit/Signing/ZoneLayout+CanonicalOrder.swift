internal import CLDNS
import DaneModel
import Dispatch
import FoundationEssentials
import OpenSSLKit
internal import WorkSharing

/// Canonical order (RFC 4034 §6.1) for the records of a zone or fragment.
extension ZoneLayout {
    /// Sorts record offsets in canonical order (parts on every core, then merged) and drops
    /// exact duplicates (an RRset is a set).
    static func sortCanonically(_ offsets: [UInt64], store: RecordStore, threads: Int) -> [UInt64] {
        let less: @Sendable (UInt64, UInt64) -> Bool = { PackedRecord.compare(store.record($0), store.record($1)) < 0 }
        let parts = max(1, min(threads, offsets.count / 4096))
        let sorted = Slots<[UInt64]>(count: parts)
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
}
