internal import CLibPQ
import FoundationEssentials
import PlainText
import ThreadKit

/// One connection to PostgreSQL through libpq (Debian's libpq5, which speaks TLS through the
/// system OpenSSL: no second TLS library). Parameters go as values, never spliced into SQL;
/// results come back as text. A connection is used by one caller at a time (the lock), and a
/// connection the server dropped is re-established once before a query is given up.
/// Unchecked Sendable: `connection` is touched only while `lock` is held.
public final class PostgresConnection: @unchecked Sendable {
    private let lock = Lock()
    private var connection: OpaquePointer?
    private let conninfo: String
    private let setup: [String]

    /// A value sent as a query parameter.
    public enum Value: Sendable {
        case text(String)
        case integer(Int64)
        case real(Double)
        case bytes(Data)
        case null
    }

    /// The rows a statement returned (text, nil for NULL) and how many rows it changed.
    public struct Rows: Sendable {
        public let columns: [String]
        public let values: [[String?]]
        public let changed: Int

        public func column(_ name: String) -> Int? { columns.firstIndex(of: name) }

        /// The rows, when they have at least `width` columns (what the statement asked for);
        /// none when the server answered with fewer, so no caller indexes past a row.
        public func rows(width: Int) -> [[String?]] { columns.count >= width ? values : [] }
    }

    /// What went wrong, with PostgreSQL's SQLSTATE when the server gave one.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
        public let sqlState: String?
        /// The connection failed or the server is short of something, shutting down, or lost a
        /// race (deadlock, serialisation): trying again later can succeed.
        public var transient: Bool {
            guard let state = sqlState else { return true }  // no server answer: the connection
            return ["08", "53", "57", "58", "40"].contains(String(state.prefix(2))) || state == "55P03"
                || state == "25006"
        }
        /// Two transactions waited for each other, or a serialisable one lost: run it again.
        public var isRace: Bool { sqlState == "40P01" || sqlState == "40001" }
    }

    /// Connects with a libpq connection string or URL (`postgres://user@host/db`,
    /// `host=/run/postgresql dbname=reports`); the password may come from ~/.pgpass or
    /// PGPASSWORD as libpq reads them. `setup` runs after every connect (a reconnect too), for
    /// session settings.
    public init(_ conninfo: String, setup: [String] = []) throws(Failure) {
        self.conninfo = conninfo
        self.setup = setup
        try connect()
    }

    deinit { if let connection { PQfinish(connection) } }

    private func connect() throws(Failure) {
        if let connection { PQfinish(connection) }
        connection = PQconnectdb(conninfo)
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            let reason = connection.map { Self.firstLine(String(cString: PQerrorMessage($0))) } ?? "out of memory"
            throw Failure(description: "cannot connect to PostgreSQL: \(reason)", sqlState: nil)
        }
        // Quiet: NOTICEs would go to stderr in the middle of danectl's own output.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        for statement in setup { try run(statement, []) }
    }

    /// Runs one statement with `$1`, `$2`, ... bound to `parameters`.
    @discardableResult
    public func query(_ sql: String, _ parameters: [Value] = []) throws(Failure) -> Rows {
        lock.lock()
        defer { lock.unlock() }
        if connection == nil || PQstatus(connection) != CONNECTION_OK {
            try connect()
        }
        return try run(sql, parameters)
    }

    /// Runs `body` between BEGIN and COMMIT (ROLLBACK when it throws); a deadlock or
    /// serialisation failure runs the whole transaction again, up to three times.
    public func transaction<T>(_ body: (Transaction) throws(Failure) -> T) throws(Failure) -> T {
        lock.lock()
        defer { lock.unlock() }
        if connection == nil || PQstatus(connection) != CONNECTION_OK {
            try connect()
        }
        var attempt = 0
        while true {
            attempt += 1
            do {
                try run("BEGIN", [])
                let result = try body(Transaction(owner: self))
                try run("COMMIT", [])
                return result
            } catch {
                _ = try? run("ROLLBACK", [])
                guard error.isRace, attempt < 3 else { throw error }
            }
        }
    }

    /// The statements of one transaction (only valid inside `transaction`).
    public struct Transaction {
        fileprivate let owner: PostgresConnection
        @discardableResult
        public func query(_ sql: String, _ parameters: [Value] = []) throws(Failure) -> Rows {
            try owner.run(sql, parameters)
        }
    }

    /// Called with the lock held.
    @discardableResult
    private func run(_ sql: String, _ parameters: [Value]) throws(Failure) -> Rows {
        guard let connection else { throw Failure(description: "not connected to PostgreSQL", sqlState: nil) }
        // Text parameters as C strings, bytea as binary: libpq copies both before returning.
        var storage: [[UInt8]?] = []
        var formats: [Int32] = []
        for value in parameters {
            switch value {
            case .text(let text): storage.append(Array(text.utf8) + [0]); formats.append(0)
            case .integer(let number): storage.append(Array(String(number).utf8) + [0]); formats.append(0)
            case .real(let number): storage.append(Array("\(number)".utf8) + [0]); formats.append(0)
            case .bytes(let data): storage.append([UInt8](data)); formats.append(1)
            case .null: storage.append(nil); formats.append(0)
            }
        }
        let lengths = storage.map { Int32($0?.count ?? 0) }
        let result: OpaquePointer? = Self.withPointers(storage) { pointers in
            PQexecParams(connection, sql, Int32(parameters.count), nil, pointers, lengths, formats, 0)
        }
        guard let result else {
            throw Failure(description: Self.firstLine(String(cString: PQerrorMessage(connection))), sqlState: nil)
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let message =
                PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
                ?? Self.firstLine(String(cString: PQerrorMessage(connection)))
            throw Failure(description: message, sqlState: state)
        }
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var values: [[String?]] = []
        values.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            values.append(
                (0..<columnCount).map { column in
                    PQgetisnull(result, Int32(row), Int32(column)) == 1
                        ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
                })
        }
        let changed = Int(String(cString: PQcmdTuples(result))) ?? 0
        return Rows(columns: columns, values: values, changed: changed)
    }

    private static func withPointers<R>(_ buffers: [[UInt8]?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        // Copies kept alive for the call: one allocation per parameter.
        let pointers: [UnsafeMutablePointer<CChar>?] = buffers.map { buffer in
            guard let buffer else { return nil }
            let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: max(buffer.count, 1))
            buffer.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress {
                    pointer.initialize(from: base.assumingMemoryBound(to: CChar.self), count: buffer.count)
                }
            }
            return pointer
        }
        defer { pointers.forEach { $0?.deallocate() } }
        return body(pointers.map { $0.map { UnsafePointer($0) } })
    }

    private static func firstLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).first.map(String.init)?.trimmed() ?? text
    }

    /// A bytea column as PostgreSQL writes it in text results (`\x` and hex digits).
    public static func bytes(fromText text: String) -> Data? {
        guard text.hasPrefix("\\x") else { return nil }
        var data = Data(capacity: (text.utf8.count - 2) / 2)
        var high: UInt8?
        for character in text.utf8.dropFirst(2) {
            let nibble: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = character - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let first = high { data.append(first << 4 | nibble); high = nil } else { high = nibble }
        }
        return high == nil ? data : nil
    }
}
