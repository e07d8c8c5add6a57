import Foundation
import Synchronization

/// Runs blocking probes on threads of their own, at most `limit` at once, so a domain with four
/// MX hosts takes about as long as its slowest probe (Swift concurrency's pool has only as
/// many threads as cores, and blocking sockets would serialise there). The threads are made
/// once per run and take the next item when done: a thread per item cost more than the
/// lookups themselves at a provider's 10,000 domains (and a single item runs on the caller's
/// thread, which would only wait for it).
struct ProbeRunner {
    let limit: Int

    func run<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        guard count > 1 else { return count == 1 ? [body(0)] : [] }
        let results = Mutex<[T?]>(Array(repeating: nil, count: count))
        let next = Atomic(0)
        let group = DispatchGroup()
        for _ in 0..<min(max(1, limit), count) {
            group.enter()
            let thread = Thread {
                while case let index = next.add(1, ordering: .relaxed).oldValue, index < count {
                    let value = body(index)
                    results.withLock { $0[index] = value }
                }
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        return results.withLock { $0.map { $0! } }
    }
}
