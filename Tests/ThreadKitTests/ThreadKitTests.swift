import Foundation
import ProcessKit
import ThreadKit
import XCTest

/// The POSIX primitives that replaced Foundation's Thread, NSLock, NSCondition and Process.
final class ThreadKitTests: XCTestCase {
    /// Eight threads add under the lock: no increment is lost, and every thread ran.
    func testLockKeepsEveryIncrement() {
        final class Counter: @unchecked Sendable {
            let lock = Lock()
            var value = 0
        }
        let counter = Counter()
        let finished = Condition()
        nonisolated(unsafe) var done = 0
        for _ in 0..<8 {
            Threads.start(stackSize: 256 << 10) {
                for _ in 0..<20_000 { counter.lock.withLock { counter.value += 1 } }
                finished.withLock {
                    done += 1
                    finished.broadcast()
                }
            }
        }
        finished.withLock {
            while done < 8 { finished.wait() }
        }
        XCTAssertEqual(counter.lock.withLock { counter.value }, 160_000)
    }

    func testTimedWaitEndsAtItsLimitAndWakesWhenSignalled() {
        let condition = Condition()
        let started = ContinuousClock.now
        let woken = condition.withLock { condition.wait(seconds: 0.2) }
        XCTAssertFalse(woken, "nobody signalled")
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(190))
        nonisolated(unsafe) var ready = false
        Threads.start {
            Threads.sleep(seconds: 0.05)
            condition.withLock {
                ready = true
                condition.signal()
            }
        }
        let signalled = condition.withLock { () -> Bool in
            while !ready { guard condition.wait(seconds: 5) else { return false } }
            return true
        }
        XCTAssertTrue(signalled)
    }

    func testChildProcessOutcomes() {
        XCTAssertEqual(ChildProcess.shell("exit 0", timeout: 5), .exited(0))
        XCTAssertEqual(ChildProcess.shell("exit 3", timeout: 5), .exited(3))
        XCTAssertEqual(ChildProcess.shell("kill -9 $$", timeout: 5), .signalled(9))
        let started = ContinuousClock.now
        XCTAssertEqual(ChildProcess.shell("sleep 30", timeout: 0.3), .timedOut)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(10), "stopped, not waited for")
        // A command that ignores SIGTERM is killed 5 s later.
        let stubborn = ContinuousClock.now
        XCTAssertEqual(ChildProcess.shell("trap '' TERM; sleep 30", timeout: 0.2), .timedOut)
        XCTAssertLessThan(ContinuousClock.now - stubborn, .seconds(12))
        // The caller's environment reaches the command.
        setenv("DANECTL_CHILD_TEST", "7", 1)
        XCTAssertEqual(ChildProcess.shell("exit $DANECTL_CHILD_TEST", timeout: 5), .exited(7))
    }
}
