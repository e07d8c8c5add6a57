import FileKit
import Foundation
import XCTest

/// A file given to a changed set through a descriptor (generate's one-file output, written as
/// it is rendered) is compared with what is on disk block by block: the same bytes leave the
/// file alone (same inode, nothing staged left behind); one byte changed anywhere, or another
/// length, replaces it.
final class ChangedSetTests: XCTestCase {
    func write(_ bytes: [UInt8]) -> (Int32) -> Bool {
        { fd in bytes.withUnsafeBytes { Descriptors.writeAll($0, to: fd) } }
    }

    func testStreamedFileIsComparedBlockByBlock() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("danectl-set-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/dane.zone"
        let original = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 / 7) }
        try Data(original).write(to: URL(fileURLWithPath: path))
        var before = stat(), after = stat()
        XCTAssertEqual(stat(path, &before), 0)

        let same = AtomicFiles.ChangedSet(expectedCount: 1)
        XCTAssertFalse(try same.add(path, writer: write(original)))
        try same.commit()
        XCTAssertEqual(stat(path, &after), 0)
        XCTAssertEqual(before.st_ino, after.st_ino, "left alone")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["dane.zone"])

        for (label, changed) in [
            (
                "a byte in the third block",
                {
                    var b = original; b[150_000] ^= 1; return b
                }()
            ),
            (
                "the last byte",
                {
                    var b = original; b[b.count - 1] ^= 1; return b
                }()
            ),
            ("one byte shorter", Array(original.dropLast())),
            ("one block longer", original + [UInt8](repeating: 7, count: 65_536)),
        ] {
            try Data(original).write(to: URL(fileURLWithPath: path))
            let set = AtomicFiles.ChangedSet(expectedCount: 1)
            XCTAssertTrue(try set.add(path, writer: write(changed)), label)
            XCTAssertEqual(
                try Data(contentsOf: URL(fileURLWithPath: path)), Data(original), "not before commit: \(label)")
            try set.commit()
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), Data(changed), label)
            XCTAssertEqual(set.changed, [path], label)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["dane.zone"], label)
        }

        // Nothing there yet: written. Discarded: nothing left behind.
        let fresh = folder + "/new.zone"
        let discarded = AtomicFiles.ChangedSet(expectedCount: 1)
        XCTAssertTrue(try discarded.add(fresh, writer: write(original)))
        discarded.discard()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["dane.zone"])
    }
}
