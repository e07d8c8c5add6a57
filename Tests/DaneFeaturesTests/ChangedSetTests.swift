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

    /// All or none: when a rename fails half way through a set, the files already renamed are
    /// put back (a replaced one from the link kept of it, a new one removed), and no staged or
    /// kept file is left behind. Also the set's text form: a same-sized file with other bytes
    /// is replaced, a same file is left alone, and a set large enough to be flushed together.
    func testFailedRenamePutsBackWhatWasAlreadyRenamed() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("danectl-set-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "old a\n".write(toFile: folder + "/a.zone", atomically: false, encoding: .utf8)
        try "old c\n".write(toFile: folder + "/c.zone", atomically: false, encoding: .utf8)
        // A folder that is not empty cannot be renamed over: the third file's rename fails.
        try FileManager.default.createDirectory(atPath: folder + "/d.zone/inside", withIntermediateDirectories: true)
        var before = stat()
        XCTAssertEqual(stat(folder + "/a.zone", &before), 0)

        for expected in [3, 100] {  // an fsync each, and flushed together
            let set = AtomicFiles.ChangedSet(expectedCount: expected)
            XCTAssertTrue(try set.add(folder + "/a.zone", "new a\n"), "same size, other bytes")
            XCTAssertTrue(try set.add(folder + "/b.zone", "new b\n"))
            XCTAssertFalse(try set.add(folder + "/c.zone", "old c\n"), "same bytes")
            XCTAssertTrue(try set.add(folder + "/d.zone", "new d\n"))
            XCTAssertEqual(set.changed.map { ($0 as NSString).lastPathComponent }, ["a.zone", "b.zone", "d.zone"])
            XCTAssertThrowsError(try set.commit()) { error in
                XCTAssertTrue("\(error)".contains("d.zone"), "names the file: \(error)")
            }
            XCTAssertEqual(try String(contentsOfFile: folder + "/a.zone", encoding: .utf8), "old a\n", "put back")
            var after = stat()
            XCTAssertEqual(stat(folder + "/a.zone", &after), 0)
            XCTAssertEqual(before.st_ino, after.st_ino, "the same file, not a copy")
            XCTAssertEqual(
                try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), ["a.zone", "c.zone", "d.zone"],
                "the new file removed, nothing staged or kept left")
        }
    }
}
