import Dispatch
import FoundationEssentials
import Synchronization
import ThreadKit

/// Runs blocking probes on threads of their own, at most `limit` at once, so a domain with four
/// MX hosts takes about as long as its slowest probe (Swift concurrency's pool has only as
/// many threads as cores, and blocking sockets would serialise there). The threads are made
/// once per run and take the next item when done: a thread per item cost more than the
/// lookups themselves at a provider's 10,000 domains). The caller's thread, which would only
/// wait, takes items too: a domain's two MX hosts cost one new thread, not two.
struct ProbeRunner {
    let limit: Int

    func run<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        guard count > 1 else { return count == 1 ? [body(0)] : [] }
        let results = Mutex<[T?]>(Array(repeating: nil, count: count))
        let next = Atomic(0)
        let work: @Sendable () -> Void = {
            while case let index = next.add(1, ordering: .relaxed).oldValue, index < count {
                let value = body(index)
                results.withLock { $0[index] = value }
            }
        }
        let group = DispatchGroup()
        for _ in 1..<min(max(1, limit), count) {
            group.enter()
            Threads.start(stackSize: 1 << 20) {
                work()
                group.leave()
            }
        }
        work()
        group.wait()
        return results.withLock { $0.map { $0! } }
    }
}
