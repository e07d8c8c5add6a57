import Foundation

/// Runs blocking probes on their own threads, at most `limit` at once, so a domain with four
/// MX hosts takes about as long as its slowest probe (Swift concurrency's pool has only as
/// many threads as cores, and blocking sockets would serialise there).
struct ProbeRunner {
    let limit: Int

    func run<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let box = ResultBox<T>(count)
        let slots = DispatchSemaphore(value: max(1, limit))
        let group = DispatchGroup()
        for index in 0..<count {
            slots.wait()
            group.enter()
            let thread = Thread {
                let value = body(index)
                box.lock.lock()
                box.results[index] = value
                box.lock.unlock()
                slots.signal()
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        return box.results.map { $0! }
    }
}

/// Results written by the probe threads, each to its own slot.
private final class ResultBox<T>: @unchecked Sendable {
    var results: [T?]
    let lock = NSLock()
    init(_ count: Int) { results = Array(repeating: nil, count: count) }
}
