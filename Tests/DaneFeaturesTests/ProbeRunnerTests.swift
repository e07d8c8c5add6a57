import Foundation
import Synchronization
import XCTest

@testable import DaneFeatures

/// The runner of blocking probes: every item once, results in item order, never more than
/// `limit` at once, and the caller's own thread among those that take items.
final class ProbeRunnerTests: XCTestCase {
    func testEveryItemOnceInOrderAtMostLimitAtOnceWithTheCallerTakingItems() {
        let caller = pthread_self()
        for (count, limit) in [(0, 4), (1, 4), (2, 16), (7, 3), (40, 5), (5, 1)] {
            let running = Atomic(0)
            let most = Atomic(0)
            let onCaller = Atomic(0)
            let started = Atomic(0)
            let results = ProbeRunner(limit: limit).run(count) { index -> Int in
                started.add(1, ordering: .sequentiallyConsistent)
                let now = running.add(1, ordering: .sequentiallyConsistent).newValue
                _ = most.max(now, ordering: .sequentiallyConsistent)
                if pthread_equal(pthread_self(), caller) != 0 { onCaller.add(1, ordering: .relaxed) }
                // The first item waits (up to 5 s) for a second to start: only a runner that
                // runs items side by side lets it go at once.
                let deadline = Date().addingTimeInterval(5)
                while index == 0, limit > 1, count > 1, started.load(ordering: .sequentiallyConsistent) < 2,
                    Date() < deadline
                {
                    usleep(200)
                }
                usleep(1_000)
                running.subtract(1, ordering: .sequentiallyConsistent)
                return index * 10
            }
            XCTAssertEqual(results, (0..<count).map { $0 * 10 }, "\(count) items, limit \(limit)")
            XCTAssertLessThanOrEqual(most.load(ordering: .relaxed), limit, "\(count) items, limit \(limit)")
            if count > 0 {
                XCTAssertGreaterThan(onCaller.load(ordering: .relaxed), 0, "\(count) items, limit \(limit)")
            }
            if count > 1, limit > 1 {
                XCTAssertGreaterThan(most.load(ordering: .relaxed), 1, "side by side: \(count) items, limit \(limit)")
            }
        }
    }
}
