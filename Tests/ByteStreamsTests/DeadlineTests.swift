import ByteStreams
import XCTest

final class DeadlineTests: XCTestCase {
    func testRemainingCountsDownAndPasses() {
        let soon = Deadline.after(0.05)
        XCTAssertGreaterThan(soon.remaining, 0)
        XCTAssertLessThanOrEqual(soon.remaining, 0.05)
        XCTAssertFalse(soon.hasPassed)
        XCTAssertTrue(soon.adding(-0.05).hasPassed, "moved back to now")
        XCTAssertTrue(Deadline.after(-5).hasPassed, "a negative timeout is now, not the past")
        XCTAssertLessThan(soon, Deadline.after(1))
        Thread.sleep(forTimeInterval: 0.06)
        XCTAssertTrue(soon.hasPassed)
        XCTAssertLessThan(soon.remaining, 0)
    }
}
