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

    /// A key claimed to be answered elsewhere (verify's questions asked ahead): it is not
    /// claimed twice, an asker waits for it instead of computing, and the value stays.
    func testAClaimedKeyIsWaitedForNotComputed() {
        let cache = OnceCache<String, Int>(clock: SystemClock())
        guard let claim = cache.claim("mx") else { return XCTFail("a new key can be claimed") }
        XCTAssertNil(cache.claim("mx"), "a key being answered is not claimed again")
        let computed = Atomic(0)
        let got = Mutex<Int?>(nil)
        let asker = Thread {
            let value = cache.value(for: "mx") {
                computed.add(1, ordering: .relaxed)
                return -1
            }
            got.withLock { $0 = value }
        }
        asker.start()
        Thread.sleep(forTimeInterval: 0.1)
        XCTAssertNil(got.withLock { $0 }, "the asker waits for the claim")
        cache.fulfil(claim, 7, lifetime: 60)
        for _ in 0..<200 where got.withLock({ $0 }) == nil { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertEqual(got.withLock { $0 }, 7)
        XCTAssertEqual(computed.load(ordering: .relaxed), 0, "nothing computed beside the claim")
        XCTAssertNil(cache.claim("mx"), "a fresh value is not claimed")
        XCTAssertEqual(cache.value(for: "mx") { -1 }, 7)
    }
}
