import Foundation
import Synchronization

/// Runs blocking probes on their own threads, at most `limit` at once, so a domain with four
/// MX hosts takes about as long as its slowest probe (Swift concurrency's pool has only as
/// many threads as cores, and blocking sockets would serialise there).
struct ProbeRunner {
    let limit: Int

    func run<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let results = Mutex<[T?]>(Array(repeating: nil, count: count))
        let slots = DispatchSemaphore(value: max(1, limit))
        let group = DispatchGroup()
        for index in 0..<count {
            slots.wait()
            group.enter()
            let thread = Thread {
                let value = body(index)
                results.withLock { $0[index] = value }
                slots.signal()
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        return results.withLock { $0.map { $0! } }
    }
}
