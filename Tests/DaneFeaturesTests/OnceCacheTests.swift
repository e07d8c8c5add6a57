import Foundation
import Synchronization
import XCTest

@testable import DaneFeatures

/// The run's cache: each question computed once while fresh, and bounded: what is asked over
/// and over stays, what was asked once makes way.
final class OnceCacheTests: XCTestCase {
    func testHotValuesStayAndOneOffValuesMakeWay() {
        let cache = OnceCache<String, Int>(clock: SystemClock(), capacity: 64)
        let computed = Atomic(0)
        func ask(_ key: String) -> Int {
            cache.value(for: key) {
                computed.add(1, ordering: .relaxed)
                return key.count
            }
        }
        XCTAssertEqual(ask("root"), 4)
        for index in 0..<5_000 {
            XCTAssertEqual(ask("domain\(index)"), "domain\(index)".count)
            XCTAssertEqual(ask("root"), 4)
        }
        XCTAssertEqual(computed.load(ordering: .relaxed), 5_001, "the hot key was computed once")
        XCTAssertLessThanOrEqual(cache.count, 64 * 2 + 32, "one-off values were swept out")
        // A value asked once is gone after enough others; asking again computes it again.
        XCTAssertEqual(ask("domain0"), 7)
        XCTAssertEqual(computed.load(ordering: .relaxed), 5_002)
    }

    func testConcurrentAskersShareOneComputation() {
        let cache = OnceCache<String, Int>(clock: SystemClock())
        let computed = Atomic(0)
        DispatchQueue.concurrentPerform(iterations: 64) { index in
            let value = cache.value(for: "shared") {
                computed.add(1, ordering: .relaxed)
                Thread.sleep(forTimeInterval: 0.05)
                return 42
            }
            XCTAssertEqual(value, 42, "asker \(index)")
        }
        XCTAssertEqual(computed.load(ordering: .relaxed), 1)
    }
}
