import FileKit
import Foundation
import XCTest

/// Standard input is read through `Descriptors.readToEnd` (a domain list, an MTA's piped
/// report): everything up to the end, or exactly `limit` bytes of a longer input (the caller
/// sees it is over its bound), across reads that return less than asked; nil on a read error.
final class DescriptorsTests: XCTestCase {
    func testReadToEndAcrossShortReadsAndLimits() throws {
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 / 255) }
        for (limit, expected) in [
            (nil, bytes.count), (200_000, 200_000), (200_001, 200_000), (65_537, 65_537), (10, 10), (0, 0),
        ] {
            var ends: [Int32] = [0, 0]
            XCTAssertEqual(pipe(&ends), 0)
            let (readEnd, writeEnd) = (ends[0], ends[1])
            // Written in uneven pieces from another thread, so reads come back short.
            let writer = Thread {
                var offset = 0
                var piece = 1_000
                while offset < bytes.count {
                    let end = min(bytes.count, offset + piece)
                    guard bytes[offset..<end].withUnsafeBytes({ Descriptors.writeAll($0, to: writeEnd) }) else { break }
                    offset = end
                    piece = piece * 3 % 70_001 + 1
                }
                close(writeEnd)
            }
            writer.start()
            let read = try XCTUnwrap(Descriptors.readToEnd(readEnd, limit: limit), "limit \(String(describing: limit))")
            _ = Descriptors.readToEnd(readEnd)  // the rest, so the writer finishes
            close(readEnd)
            XCTAssertEqual(read.count, expected, "limit \(String(describing: limit))")
            XCTAssertEqual(Array(read), Array(bytes.prefix(expected)), "limit \(String(describing: limit))")
        }
        XCTAssertNil(Descriptors.readToEnd(-1), "a descriptor that cannot be read")
        XCTAssertEqual(Descriptors.readToEnd(open("/dev/null", O_RDONLY)), Data(), "an empty input")
    }
}
