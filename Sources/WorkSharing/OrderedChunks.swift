import Dispatch
import FoundationEssentials
import Synchronization
import ThreadKit

/// Output made in pieces on every core but delivered in order: a provider's 300,000 records
/// are formatted a thousand at a time on both cores of a small machine, and the pieces are
/// appended to the output as if one thread had made them.
public enum OrderedChunks {
    /// Calls `make` for consecutive ranges of `chunk` indices out of `0..<count`, several at a
    /// time, and hands each result to `consume` in index order. At most `threads * 2` results
    /// wait at once, so memory follows the chunk size, not the output's. `make` must not touch
    /// shared mutable state; `consume` runs on the calling thread.
    public static func forEach<Piece>(
        count: Int, chunk: Int, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        make: (Range<Int>) -> Piece, consume: (Piece) -> Void
    ) {
        let chunk = max(1, chunk)
        let ranges = stride(from: 0, to: count, by: chunk).map { $0..<min($0 + chunk, count) }
        // One thread, or one piece: no thread is worth starting.
        guard threads > 1, ranges.count > 1 else {
            ranges.forEach { consume(make($0)) }
            return
        }
        let window = threads * 2
        for first in stride(from: 0, to: ranges.count, by: window) {
            let batch = Array(ranges[first..<min(first + window, ranges.count)])
            let slots = Slots<Piece>(count: batch.count)
            withoutActuallyEscaping(make) { make in
                let box = UncheckedBox(make)
                DispatchQueue.concurrentPerform(iterations: batch.count) { index in
                    slots.store(index, box.value(batch[index]))
                }
            }
            for piece in slots.taken() { consume(piece) }
        }
    }
}

/// Results written by worker threads, one slot each. Unchecked Sendable because values may be
/// non-Sendable (the zone parser's pieces hold arena references): each slot is written once, by
/// one thread, under the lock, and `values` is read only after every worker has returned
/// (`DispatchQueue.concurrentPerform` has).
public final class Slots<Value>: @unchecked Sendable {
    private let lock = Lock()
    public private(set) var values: [Value?]

    public init(count: Int) { values = Array(repeating: nil, count: count) }

    public func store(_ index: Int, _ value: Value) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }

    /// Every value, in order, once all are stored.
    func taken() -> [Value] {
        lock.lock()
        defer { lock.unlock() }
        return values.map { $0! }
    }
}

/// Hands out work indices to threads, each once.
public final class WorkCounter: Sendable {
    private let next = Atomic<Int>(0)

    public init() {}

    public func take(below limit: Int) -> Int? {
        let taken = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return taken < limit ? taken : nil
    }
}

/// Carries a closure into `concurrentPerform`: the caller promises it is safe to run on
/// several threads at once (it reads shared values only).
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
