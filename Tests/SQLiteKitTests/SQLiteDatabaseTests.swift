import Foundation
import SQLiteKit
import XCTest

/// The thin SQLite owner the report store runs on: values come back as they went in,
/// transactions are all or nothing, migrations run once, and SQLite's faults keep their codes.
final class SQLiteDatabaseTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sqlitekit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func open(_ name: String = "t.sqlite", timeout: Double = 2) throws -> SQLiteDatabase {
        try SQLiteDatabase(
            path: folder.appendingPathComponent(name).path, busyTimeout: timeout, setup: "PRAGMA journal_mode = WAL")
    }

    func testValuesComeBackAsTheyWentIn() throws {
        let db = try open()
        let texts = ["", "plain", "ünïcødé ✉️", "a\u{0}b", String(repeating: "x", count: 100_000)]
        let blobs = [Data(), Data([0, 1, 2, 255]), Data((0..<70_000).map { UInt8($0 % 256) })]
        let numbers: [Int64] = [0, -1, .max, .min]
        let reals = [0.5, -1e300, 1_764_201_600.25]
        try db.write { c in
            try c.execute("CREATE TABLE t (n INTEGER, r REAL, s TEXT, b BLOB)")
            for (i, text) in texts.enumerated() {
                try c.execute(
                    "INSERT INTO t VALUES (?, ?, ?, ?)",
                    [numbers[i % numbers.count], reals[i % reals.count], text, blobs[i % blobs.count]])
            }
            try c.execute("INSERT INTO t VALUES (?, ?, ?, ?)", [Int64?.none, Double?.none, String?.none, Data?.none])
        }
        let rows = try db.read { c in try c.rows("SELECT n, r, s, b FROM t ORDER BY rowid") }
        XCTAssertEqual(rows.count, texts.count + 1)
        for (i, text) in texts.enumerated() {
            XCTAssertEqual(try rows[i].column(0, as: Int64.self), numbers[i % numbers.count])
            XCTAssertEqual(try rows[i].column(1, as: Double.self), reals[i % reals.count])
            XCTAssertEqual(try rows[i].column(2, as: String.self), text)
            XCTAssertEqual(try rows[i].column(3, as: Data.self), blobs[i % blobs.count], "row \(i)")
        }
        // The empty blob is a blob, not NULL.
        XCTAssertEqual(rows[0].values[3], .blob(Data()))
        let last = try XCTUnwrap(rows.last)
        XCTAssertEqual(last.values, [.null, .null, .null, .null])
        XCTAssertNil(try last.column(2, as: String?.self))
        XCTAssertThrowsError(try last.column(2, as: String.self), "NULL is not a String")
        XCTAssertThrowsError(try rows[0].column(2, as: Int.self), "text is not a number")
        XCTAssertThrowsError(try rows[0].column(4, as: Int.self), "there is no fifth column")
    }

    func testAThrowingTransactionLeavesNothing() throws {
        let db = try open()
        try db.write { c in try c.execute("CREATE TABLE t (n INTEGER NOT NULL)") }
        struct Stop: Error {}
        XCTAssertThrowsError(
            try db.write { c in
                try c.execute("INSERT INTO t VALUES (?)", [1])
                throw Stop()
            })
        // A statement SQLite refuses part way rolls back what came before it too.
        XCTAssertThrowsError(
            try db.write { c in
                try c.execute("INSERT INTO t VALUES (?)", [2])
                try c.execute("INSERT INTO t VALUES (?)", [Int?.none])
            }
        ) { XCTAssertEqual(($0 as? SQLiteError)?.primary, 19, "SQLITE_CONSTRAINT") }
        XCTAssertEqual(try db.read { c in try c.rows("SELECT count(*) FROM t") }.first?.column(0, as: Int.self), 0)
        // And the connection is usable afterwards.
        try db.write { c in try c.execute("INSERT INTO t VALUES (?)", [3]) }
        XCTAssertEqual(try db.read { c in try c.rows("SELECT n FROM t") }.map { try $0.column(0, as: Int.self) }, [3])
    }

    func testWrongArgumentCountIsRefused() throws {
        let db = try open()
        XCTAssertThrowsError(
            try db.write { c in
                try c.execute("CREATE TABLE t (a, b)")
                try c.execute("INSERT INTO t VALUES (?, ?)", [1])
            }
        ) { XCTAssertEqual(($0 as? SQLiteError)?.primary, 25, "SQLITE_RANGE") }
    }

    func testMigrationsRunOnceInOrderAndAreRecorded() throws {
        let path = folder.appendingPathComponent("m.sqlite").path
        let runs = Counter()
        let migrations: [SQLiteDatabase.Migration] = [
            .init("1: table") { c in
                runs.add()
                try c.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
            },
            .init("2: child") { c in
                runs.add()
                try c.execute("CREATE TABLE child (p INTEGER REFERENCES parent(id) ON DELETE CASCADE)")
            },
        ]
        try SQLiteDatabase(path: path, busyTimeout: 1).migrate(Array(migrations.prefix(1)))
        try SQLiteDatabase(path: path, busyTimeout: 1).migrate(migrations)
        let db = try SQLiteDatabase(path: path, busyTimeout: 1)
        try db.migrate(migrations)
        XCTAssertEqual(runs.value, 2)
        let recorded = try db.read { c in
            try c.rows("SELECT identifier FROM grdb_migrations ORDER BY rowid").map {
                try $0.column(0, as: String.self)
            }
        }
        XCTAssertEqual(recorded, ["1: table", "2: child"])
        // Foreign keys are enforced again after migrating: a delete cascades.
        try db.write { c in
            try c.execute("INSERT INTO parent VALUES (1)")
            try c.execute("INSERT INTO child VALUES (1)")
            try c.execute("DELETE FROM parent")
        }
        XCTAssertEqual(try db.read { c in try c.rows("SELECT count(*) FROM child") }.first?.column(0, as: Int.self), 0)
    }

    func testAMigrationThatLeavesADanglingReferenceIsRolledBack() throws {
        let path = folder.appendingPathComponent("d.sqlite").path
        let db = try SQLiteDatabase(path: path, busyTimeout: 1)
        try db.migrate([.init("1") { c in try c.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)") }])
        XCTAssertThrowsError(
            try db.migrate([
                .init("2") { c in
                    try c.execute("CREATE TABLE child (p INTEGER REFERENCES parent(id))")
                    try c.execute("INSERT INTO child VALUES (42)")
                }
            ])
        ) { XCTAssertTrue("\($0)".contains("child"), "\($0)") }
        let tables = try db.read { c in
            try c.rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map {
                try $0.column(0, as: String.self)
            }
        }
        XCTAssertEqual(tables, ["grdb_migrations", "parent"])
    }

    /// A second writer waits out the busy timeout, then fails with a code marked transient
    /// (the MTA retries), never as a lost write.
    func testABusyStoreIsATransientFault() throws {
        let first = try open("b.sqlite")
        let second = try open("b.sqlite", timeout: 0.2)
        try first.write { c in try c.execute("CREATE TABLE t (n)") }
        let started = Date()
        var failure: SQLiteError?
        try first.write { c in
            try c.execute("INSERT INTO t VALUES (1)")
            do { try second.write { c2 in try c2.execute("INSERT INTO t VALUES (2)") } } catch {
                failure = error as? SQLiteError
            }
        }
        XCTAssertEqual(failure?.primary, 5, "SQLITE_BUSY")
        XCTAssertEqual(failure?.isTransient, true)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.15, "it waited for the lock first")
        try second.write { c in try c.execute("INSERT INTO t VALUES (3)") }
        let values = try second.read { c in
            try c.rows("SELECT n FROM t ORDER BY n").map { try $0.column(0, as: Int.self) }
        }
        XCTAssertEqual(values, [1, 3])
    }

    func testAFileThatIsNotADatabaseIsAPermanentFault() throws {
        let path = folder.appendingPathComponent("junk.sqlite").path
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try SQLiteDatabase(path: path, busyTimeout: 1)) {
            let error = $0 as? SQLiteError
            XCTAssertEqual(error?.primary, 26, "SQLITE_NOTADB")
            XCTAssertEqual(error?.isTransient, false)
        }
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
