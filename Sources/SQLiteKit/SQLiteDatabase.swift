internal import CSQLite
import FoundationEssentials
import Synchronization

/// What SQLite said went wrong: its extended result code and message.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The extended result code (`SQLITE_BUSY_SNAPSHOT` and so on); `primary` is its low byte.
    public let code: Int32
    public let message: String
    public var description: String { message }
    public var primary: Int32 { code & 0xff }

    /// Not SQLite's: a column read as a type it does not hold.
    public static let mismatch: Int32 = -1

    /// Faults that can go away: busy or locked by another writer, disk full, read-only, I/O
    /// error, cannot open (a missing or unwritable directory), a lock protocol race.
    public var isTransient: Bool {
        [SQLITE_BUSY, SQLITE_LOCKED, SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_PROTOCOL]
            .contains(primary)
    }

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }
}

/// One SQLite database file, one connection, used by one caller at a time (the lock). Every
/// read and write runs in a transaction: a write takes the write lock at BEGIN (IMMEDIATE),
/// so waiting for another writer happens under the busy timeout, never as a failed upgrade.
/// Unchecked Sendable: the connection is touched only inside `lock`.
public final class SQLiteDatabase: @unchecked Sendable {
    private let lock: Mutex<Void>
    private let connection: SQLiteConnection

    /// Opens (creating when missing) the file at `path` with foreign keys enforced; waits up to
    /// `busyTimeout` seconds for another process's lock; runs `setup` (pragmas) once.
    public init(path: String, busyTimeout: Double, setup: String = "") throws(SQLiteError) {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw SQLiteError(code: status, message: message)
        }
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, Int32(busyTimeout * 1000))
        connection = SQLiteConnection(handle)
        lock = Mutex(())
        // SQLite opens lazily: read the schema now, so a file that is not a database is named
        // here rather than at the first query.
        try connection.execute("SELECT count(*) FROM sqlite_master")
        try connection.execute("PRAGMA foreign_keys = ON")
        if !setup.isEmpty { try connection.execute(setup) }
    }

    /// `body` in a write transaction: committed when it returns, rolled back when it throws.
    public func write<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try locked { try connection.transaction("BEGIN IMMEDIATE", body) }
    }

    /// `body` in a read transaction: every statement sees the same snapshot.
    public func read<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try locked { try connection.transaction("BEGIN DEFERRED", body) }
    }

    /// `body` with the lock held. (Its result is handed out through a local: Mutex's own
    /// result must be `sending`, which a caller's non-Sendable value is not.)
    private func locked<T>(_ body: () throws -> T) throws -> T {
        var result: Result<T, any Error>?
        lock.withLock { _ in result = Result { try body() } }
        return try result!.get()
    }

    /// One step of a schema's history: applied once, in order, recorded by its identifier.
    public struct Migration: Sendable {
        public let identifier: String
        public let apply: @Sendable (SQLiteConnection) throws -> Void
        public init(_ identifier: String, apply: @escaping @Sendable (SQLiteConnection) throws -> Void) {
            self.identifier = identifier
            self.apply = apply
        }
    }

    /// Applies the migrations not yet recorded, each in its own transaction. The record is the
    /// table GRDB's migrator kept (`grdb_migrations`), so stores it made carry on. Foreign keys
    /// are off while a migration rebuilds tables and checked before it commits: a migration
    /// that leaves a dangling reference is rolled back.
    public func migrate(_ migrations: [Migration]) throws {
        try locked {
            try connection.execute("CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            let applied = Set(
                try connection.rows("SELECT identifier FROM grdb_migrations").map { try $0.column(0, as: String.self) })
            let pending = migrations.filter { !applied.contains($0.identifier) }
            guard !pending.isEmpty else { return }
            try connection.execute("PRAGMA foreign_keys = OFF")
            defer { try? connection.execute("PRAGMA foreign_keys = ON") }
            for migration in pending {
                try connection.transaction("BEGIN IMMEDIATE") { db in
                    try migration.apply(db)
                    if let dangling = try db.rows("PRAGMA foreign_key_check").first {
                        let table = (try? dangling.column(0, as: String.self)) ?? "?"
                        throw SQLiteError(
                            code: SQLITE_CONSTRAINT,
                            message: "migration \"\(migration.identifier)\" left a row of \(table) without its parent")
                    }
                    try db.execute("INSERT INTO grdb_migrations (identifier) VALUES (?)", [migration.identifier])
                }
            }
        }
    }
}

/// The statements of one connection, inside a transaction of `SQLiteDatabase`. Prepared
/// statements are kept by their SQL text (preparing costs more than running an INSERT).
public final class SQLiteConnection {
    private let handle: OpaquePointer
    private var statements: [String: SQLiteStatement] = [:]

    fileprivate init(_ handle: OpaquePointer) { self.handle = handle }

    deinit {
        statements.values.forEach { $0.finalize() }
        sqlite3_close_v2(handle)
    }

    fileprivate func transaction<T>(_ begin: String, _ body: (SQLiteConnection) throws -> T) throws -> T {
        try execute(begin)
        do {
            let result = try body(self)
            try execute("COMMIT")
            return result
        } catch {
            if sqlite3_get_autocommit(handle) == 0 { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Runs `sql`, which may hold several statements and no parameters.
    public func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard status == SQLITE_OK else {
            throw SQLiteError(
                code: sqlite3_extended_errcode(handle),
                message: message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(status)))
        }
    }

    /// Runs one statement with its `?` bound to `arguments`, ignoring any rows.
    public func execute(_ sql: String, _ arguments: [any SQLiteBindable]) throws(SQLiteError) {
        try statement(sql).execute(arguments)
    }

    /// The prepared statement for `sql`, made once per connection.
    public func statement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let kept = statements[sql] { return kept }
        var prepared: OpaquePointer?
        let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil)
        guard status == SQLITE_OK, let prepared else { throw error(status) }
        let statement = SQLiteStatement(prepared, owner: self)
        statements[sql] = statement
        return statement
    }

    /// Every row of one statement.
    public func rows(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws(SQLiteError) -> [SQLiteRow] {
        var rows: [SQLiteRow] = []
        try statement(sql).each(arguments) { rows.append($0) }
        return rows
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes64(handle)) }
    public var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    fileprivate func error(_ status: Int32) -> SQLiteError {
        SQLiteError(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)))
    }
}

/// One prepared statement of a connection.
public final class SQLiteStatement {
    private let handle: OpaquePointer
    private unowned let owner: SQLiteConnection

    fileprivate init(_ handle: OpaquePointer, owner: SQLiteConnection) {
        self.handle = handle
        self.owner = owner
    }

    fileprivate func finalize() { sqlite3_finalize(handle) }

    /// Runs the statement to its end with `arguments` bound, ignoring any rows.
    public func execute(_ arguments: [any SQLiteBindable]) throws(SQLiteError) {
        try each(arguments) { _ in }
    }

    /// Runs the statement with `arguments` bound, handing each row to `body` as it comes.
    public func each(
        _ arguments: [any SQLiteBindable], _ body: (SQLiteRow) throws(SQLiteError) -> Void
    )
        throws(SQLiteError)
    {
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        try bind(arguments)
        while true {
            let status = sqlite3_step(handle)
            switch status {
            case SQLITE_ROW: try body(row())
            case SQLITE_DONE: return
            default: throw owner.error(status)
            }
        }
    }

    private func bind(_ arguments: [any SQLiteBindable]) throws(SQLiteError) {
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard arguments.count == expected else {
            throw SQLiteError(
                code: SQLITE_RANGE, message: "the statement takes \(expected) values, \(arguments.count) were given")
        }
        for (offset, argument) in arguments.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch argument.sqliteValue {
            case .integer(let number): status = sqlite3_bind_int64(handle, index, number)
            case .real(let number): status = sqlite3_bind_double(handle, index, number)
            case .text(let text):
                status = sqlite3_bind_text64(
                    handle, index, text, UInt64(text.utf8.count), transient, UInt8(SQLITE_UTF8))
            case .blob(let bytes):
                // An empty blob binds as a zero-length blob: a nil pointer would bind NULL.
                status = bytes.withUnsafeBytes { raw in
                    guard let base = raw.baseAddress, raw.count > 0 else {
                        return sqlite3_bind_zeroblob64(handle, index, 0)
                    }
                    return sqlite3_bind_blob64(handle, index, base, UInt64(raw.count), transient)
                }
            case .null: status = sqlite3_bind_null(handle, index)
            }
            guard status == SQLITE_OK else { throw owner.error(status) }
        }
    }

    private func row() -> SQLiteRow {
        let count = sqlite3_column_count(handle)
        var values: [SQLiteValue] = []
        values.reserveCapacity(Int(count))
        for column in 0..<count {
            switch sqlite3_column_type(handle, column) {
            case SQLITE_INTEGER: values.append(.integer(sqlite3_column_int64(handle, column)))
            case SQLITE_FLOAT: values.append(.real(sqlite3_column_double(handle, column)))
            case SQLITE_TEXT:
                let length = Int(sqlite3_column_bytes(handle, column))
                let text = sqlite3_column_text(handle, column).map {
                    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                }
                values.append(.text(text ?? ""))
            case SQLITE_BLOB:
                let length = Int(sqlite3_column_bytes(handle, column))
                let bytes = sqlite3_column_blob(handle, column).map { Data(bytes: $0, count: length) }
                values.append(.blob(bytes ?? Data()))
            default: values.append(.null)
            }
        }
        return SQLiteRow(values: values)
    }

    /// SQLITE_TRANSIENT: SQLite copies the value before the bind returns.
    private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
