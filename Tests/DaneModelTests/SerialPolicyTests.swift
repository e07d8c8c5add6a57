import DaneModel
import Foundation
import XCTest

final class SerialPolicyTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_796_000_000)  // 2026-11-30T00:53:20Z

    func testIncrementWrapsByRFC1982() {
        XCTAssertEqual(SerialPolicy.increment.next(after: 41, now: now), 42)
        XCTAssertEqual(SerialPolicy.increment.next(after: UInt32.max, now: now), 0)
        XCTAssertTrue(SerialPolicy.isNewer(0, than: UInt32.max))
        XCTAssertFalse(SerialPolicy.isNewer(5, than: 5))
    }

    func testUnixtimeNeverGoesBackwards() {
        XCTAssertEqual(SerialPolicy.unixtime.next(after: 1, now: now), 1_796_000_000)
        XCTAssertEqual(SerialPolicy.unixtime.next(after: 1_796_000_000, now: now), 1_796_000_001)
    }

    func testDateCounter() {
        XCTAssertEqual(SerialPolicy.date.next(after: 2026010100, now: now), 2026113000)
        XCTAssertEqual(SerialPolicy.date.next(after: 2026113000, now: now), 2026113001)
        XCTAssertEqual(
            SerialPolicy.date.next(after: 2026113099, now: now), 2026113100, "counter overflow moves on, never back")
    }

    func testKeep() {
        XCTAssertEqual(SerialPolicy.keep.next(after: 7, now: now), 7)
    }
}
