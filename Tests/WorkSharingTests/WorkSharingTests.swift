import Foundation
import Synchronization
import XCTest

@testable import WorkSharing

/// Work spread over threads comes back in order, whole, however it is cut.
final class WorkSharingTests: XCTestCase {
    func testChunksArriveInOrderWhateverTheThreadsAndSizes() {
        for threads in [1, 2, 3, 8] {
            for (count, chunk) in [(0, 4), (1, 4), (4, 4), (5, 4), (1_000, 7), (10_000, 1), (37, 100)] {
                var seen: [Int] = []
                var pieces = 0
                OrderedChunks.forEach(count: count, chunk: chunk, threads: threads) { range in
                    // Uneven work, so later chunks often finish first.
                    if range.lowerBound % 3 == 0 { usleep(50) }
                    return Array(range).map { $0 * 2 }
                } consume: { piece in
                    seen += piece
                    pieces += 1
                }
                XCTAssertEqual(seen, (0..<count).map { $0 * 2 }, "\(threads) threads, \(count) by \(chunk)")
                XCTAssertEqual(pieces, (count + chunk - 1) / chunk, "\(threads) threads, \(count) by \(chunk)")
            }
        }
    }

    func testChunksRunOnSeveralThreadsAtOnce() {
        let running = Atomic(0)
        let most = Atomic(0)
        OrderedChunks.forEach(count: 64, chunk: 1, threads: 4) { _ in
            let now = running.add(1, ordering: .relaxed).newValue
            most.max(now, ordering: .relaxed)
            usleep(2_000)
            running.subtract(1, ordering: .relaxed)
        } consume: { _ in
        }
        XCTAssertGreaterThan(most.load(ordering: .relaxed), 1)
    }

    func testPipeDeliversEveryBatchInOrderBeforeItCloses() {
        let pipe = BatchPipe<Int>(capacity: 2)
        let received = Mutex<[Int]>([])
        let consumer = pipe.consume { value in
            if value % 100 == 0 { usleep(100) }  // a slow consumer: the sender waits on the capacity
            received.withLock { $0.append(value) }
        }
        for start in stride(from: 0, to: 5_000, by: 50) { pipe.send(Array(start..<start + 50)) }
        pipe.send([])
        pipe.close()
        consumer.wait()
        XCTAssertEqual(received.withLock { $0 }, Array(0..<5_000))
        XCTAssertNil(pipe.receive())
    }
}
