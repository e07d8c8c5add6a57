import ByteStreams
import XCTest

/// The one line reader the TCP connection and the TLS channel share.
final class ReceiveBufferTests: XCTestCase {
    struct Failed: Error, Equatable { let limit: Int }

    /// Feeds `chunks` one per `receive` call; throws when they run out, as a closed peer does.
    func lines(_ chunks: [String], maxLength: Int = 100, count: Int) throws(Failed) -> [String] {
        var buffer = ReceiveBuffer()
        var queue = chunks.map { Array($0.utf8)[...] }
        var out: [String] = []
        for _ in 0..<count {
            out.append(
                try buffer.readLine(maxLength: maxLength, tooLong: { Failed(limit: $0) }) { () throws(Failed) in
                    guard !queue.isEmpty else { throw Failed(limit: -1) }
                    return queue.removeFirst()
                })
        }
        return out
    }

    func testLinesSplitAcrossAndWithinChunks() throws {
        XCTAssertEqual(
            try lines(["250-mx.example\r", "\n250-PIPE", "LINING\r\n250 STARTTLS\r\n"], count: 3),
            ["250-mx.example", "250-PIPELINING", "250 STARTTLS"])
        XCTAssertEqual(try lines(["a\nb\r\n\r\n"], count: 3), ["a", "b", ""], "bare LF and an empty line")
    }

    func testALineOverTheBoundStopsReading() {
        XCTAssertThrowsError(
            try lines([String(repeating: "x", count: 64), String(repeating: "x", count: 64)], maxLength: 100, count: 1)
        ) {
            XCTAssertEqual($0 as? Failed, Failed(limit: 100))
        }
        XCTAssertThrowsError(try lines(["no end"], count: 1)) {
            XCTAssertEqual($0 as? Failed, Failed(limit: -1), "the peer closed")
        }
    }

    func testBytesAfterALineStayForTheNextRead() {
        var buffer = ReceiveBuffer()
        buffer.append(Array("HTTP/1.1 200 OK\r\nbody".utf8)[...])
        XCTAssertEqual(buffer.takeLine(), "HTTP/1.1 200 OK")
        XCTAssertEqual(buffer.count, 4)
        XCTAssertEqual(buffer.take(atMost: 10), Array("body".utf8))
        XCTAssertTrue(buffer.isEmpty)
        // Many short lines: the consumed prefix is dropped as the buffer grows.
        for i in 0..<10_000 {
            buffer.append(Array("line \(i)\n".utf8)[...]); XCTAssertEqual(buffer.takeLine(), "line \(i)")
        }
        XCTAssertNil(buffer.takeLine())
    }
}
