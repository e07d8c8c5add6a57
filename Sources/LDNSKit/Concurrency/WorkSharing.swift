import Foundation
import Synchronization

/// Hands out work indices to threads.
final class WorkCounter: Sendable {
    private let next = Atomic<Int>(0)

    func take(below limit: Int) -> Int? {
        let taken = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return taken < limit ? taken : nil
    }
}

/// Results written by worker threads, one slot each. Unchecked because values may be
/// non-Sendable (`ParsedPiece` holds arena references): the invariant is that each slot is
/// written once, by one thread, under the lock, and `values` is read only after every
/// worker has joined (`DispatchQueue.concurrentPerform` returns).
final class ParallelSlots<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Value?]

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func store(_ index: Int, _ value: Value) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }
}
