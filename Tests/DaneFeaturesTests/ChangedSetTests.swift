import Foundation
import XCTest

@testable import FileKit

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

/// A provider's set: thousands of files staged from several threads at once and renamed into
/// place from every core, still all or none.
final class LargeChangedSetTests: XCTestCase {
    let count = AtomicFiles.commitInParallelFrom + 1_000

    func makeFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("danectl-set-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    func name(_ index: Int) -> String { String(format: "zone%05d.yaml", index) }

    /// Prepares every file on several threads, then includes them in order.
    func stageAll(_ set: AtomicFiles.ChangedSet, in folder: String) throws {
        let paths = (0..<count).map { folder + "/" + name($0) }
        let lock = NSLock()
        nonisolated(unsafe) var results = [Result<AtomicFiles.ChangedSet.Prepared, AtomicFiles.Failure>?](
            repeating: nil, count: paths.count)
        DispatchQueue.concurrentPerform(iterations: paths.count) { index in
            let result: Result<AtomicFiles.ChangedSet.Prepared, AtomicFiles.Failure>
            do throws(AtomicFiles.Failure) {
                result = .success(try set.prepare(paths[index], "new \(index)\n"))
            } catch {
                result = .failure(error)
            }
            lock.withLock { results[index] = result }
        }
        for result in results { set.include(try XCTUnwrap(result).get()) }
    }

    func testEveryFileIsPutInPlaceAndReplacedOnesKeepNothingBehind() throws {
        let folder = try makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Some files are there already: one with the same bytes (left alone), others replaced.
        try "new 7\n".write(toFile: folder + "/" + name(7), atomically: false, encoding: .utf8)
        for index in [0, 2_500, count - 1] {
            try "old \(index)\n".write(toFile: folder + "/" + name(index), atomically: false, encoding: .utf8)
        }
        var before = stat()
        XCTAssertEqual(stat(folder + "/" + name(7), &before), 0)
        let set = AtomicFiles.ChangedSet(expectedCount: count)
        try stageAll(set, in: folder)
        XCTAssertEqual(set.changed.count, count - 1, "the same file is not staged")
        XCTAssertEqual(set.changed, (0..<count).filter { $0 != 7 }.map { folder + "/" + name($0) }, "in order")
        try set.commit()
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        XCTAssertEqual(names, (0..<count).map(name), "every file, nothing staged or kept left")
        for index in [0, 1, 2_500, 4_000, count - 1] {
            XCTAssertEqual(try String(contentsOfFile: folder + "/" + name(index), encoding: .utf8), "new \(index)\n")
        }
        var after = stat()
        XCTAssertEqual(stat(folder + "/" + name(7), &after), 0)
        XCTAssertEqual(before.st_ino, after.st_ino, "the unchanged file left alone")
    }

    /// One rename fails (a folder that is not empty sits at its path) while other threads are
    /// renaming: every file renamed by any of them is put back or removed.
    func testOneFailedRenameUndoesTheRenamesOfEveryThread() throws {
        let folder = try makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let replaced = [0, 1, count / 2 + 1, count - 1]
        for index in replaced {
            try "old \(index)\n".write(toFile: folder + "/" + name(index), atomically: false, encoding: .utf8)
        }
        let blocked = count / 2 + 10
        try FileManager.default.createDirectory(
            atPath: folder + "/" + name(blocked) + "/inside", withIntermediateDirectories: true)
        var inodes: [Int: UInt] = [:]
        for index in replaced {
            var info = stat()
            XCTAssertEqual(stat(folder + "/" + name(index), &info), 0)
            inodes[index] = UInt(info.st_ino)
        }
        let set = AtomicFiles.ChangedSet(expectedCount: count)
        try stageAll(set, in: folder)
        XCTAssertThrowsError(try set.commit()) { error in
            XCTAssertTrue("\(error)".contains(name(blocked)), "names the file: \(error)")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        XCTAssertEqual(names, (replaced + [blocked]).sorted().map(name), "new files removed, nothing staged left")
        for index in replaced {
            XCTAssertEqual(try String(contentsOfFile: folder + "/" + name(index), encoding: .utf8), "old \(index)\n")
            var info = stat()
            XCTAssertEqual(stat(folder + "/" + name(index), &info), 0)
            XCTAssertEqual(UInt(info.st_ino), inodes[index], "the same file put back, not a copy")
        }
    }

    /// A file that appears at a new file's path after it was staged is not lost when the set
    /// fails: the rename that would replace it keeps it, and it is put back.
    func testAFileThatAppearedAfterStagingIsPutBackWhenTheSetFails() throws {
        let folder = try makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/z.yaml/inside", withIntermediateDirectories: true)
        for expected in [2, count] {  // renamed by one thread, and by every core
            let set = AtomicFiles.ChangedSet(expectedCount: expected)
            XCTAssertTrue(try set.add(folder + "/a.yaml", "ours\n"))
            try "theirs\n".write(toFile: folder + "/a.yaml", atomically: false, encoding: .utf8)
            XCTAssertTrue(try set.add(folder + "/z.yaml", "blocked\n"))
            XCTAssertThrowsError(try set.commit())
            XCTAssertEqual(try String(contentsOfFile: folder + "/a.yaml", encoding: .utf8), "theirs\n", "\(expected)")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), ["a.yaml", "z.yaml"])
            try FileManager.default.removeItem(atPath: folder + "/a.yaml")
        }
        // And when the set succeeds, ours replaces it like any other file, keeping nothing behind.
        let set = AtomicFiles.ChangedSet(expectedCount: 1)
        XCTAssertTrue(try set.add(folder + "/b.yaml", "ours\n"))
        try "theirs\n".write(toFile: folder + "/b.yaml", atomically: false, encoding: .utf8)
        try set.commit()
        XCTAssertEqual(try String(contentsOfFile: folder + "/b.yaml", encoding: .utf8), "ours\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), ["b.yaml", "z.yaml"])
    }

    /// A protected file (a run's input) is refused by its identity, whatever the path's
    /// spelling, before anything is written.
    func testAProtectedFileIsRefusedBeforeAnythingIsWritten() throws {
        let folder = try makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "input\n".write(toFile: folder + "/provider.yaml", atomically: false, encoding: .utf8)
        let set = AtomicFiles.ChangedSet(
            expectedCount: 1, protecting: [try XCTUnwrap(AtomicFiles.Identity(of: folder + "/provider.yaml"))])
        try FileManager.default.createSymbolicLink(atPath: folder + "/link.yaml", withDestinationPath: "provider.yaml")
        for spelling in [
            "/provider.yaml", "/./provider.yaml", "/../" + (folder as NSString).lastPathComponent + "/link.yaml",
        ] {
            XCTAssertThrowsError(try set.prepare(folder + spelling, "output\n")) { error in
                XCTAssertEqual((error as? AtomicFiles.Failure)?.isProtected, true, spelling)
            }
        }
        XCTAssertEqual(try String(contentsOfFile: folder + "/provider.yaml", encoding: .utf8), "input\n")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), ["link.yaml", "provider.yaml"])
    }
}
