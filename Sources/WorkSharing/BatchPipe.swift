import Dispatch
import FoundationEssentials
import ThreadKit

/// Hands batches from one producing thread to one consuming thread, in order, with at most
/// `capacity` batches waiting: the description's YAML is parsed on one core while its domains
/// are checked on the other.
public final class BatchPipe<Element: Sendable>: @unchecked Sendable {
    private let condition = Condition()
    private var waiting: [[Element]] = []
    private var closed = false
    private let capacity: Int

    public init(capacity: Int = 8) { self.capacity = max(1, capacity) }

    /// Blocks while `capacity` batches wait.
    public func send(_ batch: [Element]) {
        condition.lock()
        while waiting.count >= capacity { condition.wait() }
        waiting.append(batch)
        condition.broadcast()
        condition.unlock()
    }

    /// No more batches: `receive` answers nil once the waiting ones are taken.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, or nil once the pipe is closed and empty.
    public func receive() -> [Element]? {
        condition.lock()
        defer { condition.unlock() }
        while waiting.isEmpty && !closed { condition.wait() }
        guard !waiting.isEmpty else { return nil }
        condition.broadcast()
        return waiting.removeFirst()
    }

    /// Runs `body` for every element on a thread of its own until the pipe closes; `wait`
    /// on the answer joins it.
    public func consume(_ body: @escaping @Sendable (Element) -> Void) -> Consumer {
        let done = DispatchSemaphore(value: 0)
        Threads.start(stackSize: 8 << 20) { [self] in
            while let batch = receive() { batch.forEach(body) }
            done.signal()
        }
        return Consumer(done: done)
    }

    public struct Consumer: Sendable {
        let done: DispatchSemaphore
        /// Returns once every batch sent before `close` has been consumed.
        public func wait() { done.wait() }
    }
}
