import Foundation
import WorkSharing
import XCTest

/// The two jobs really run at the same time (each waits to see the other started), and each
/// result comes back in its own place.
final class BothAtOnceTests: XCTestCase {
    func testBothJobsRunAtOnceAndEachResultComesBack() {
        let first = DispatchSemaphore(value: 0)
        let second = DispatchSemaphore(value: 0)
        let (one, two) = BothAtOnce.run(
            { () -> String in
                first.signal()
                // Run one after the other, this would wait forever: the test fails on the timeout.
                return second.wait(timeout: .now() + 10) == .success ? "first saw second" : "first alone"
            },
            { () -> Int in
                second.signal()
                return first.wait(timeout: .now() + 10) == .success ? 2 : -1
            })
        XCTAssertEqual(one, "first saw second")
        XCTAssertEqual(two, 2)
    }
}
