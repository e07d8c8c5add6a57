import FoundationEssentials
import ThreadKit

/// Connections to one database for callers on several threads: each caller gets a connection
/// of its own for as long as it needs it, so two transactions run on the server at once (ingest
/// stores one batch while the next is sent). Connections are made when first needed, kept for
/// the next caller, and never more than `limit`: `reports serve` takes up to 256 requests at
/// once, and PostgreSQL refuses clients past its max_connections (100 by default), so callers
/// past the limit wait for a free connection instead.
/// Unchecked Sendable: `idle` and `made` are touched only with `available` locked.
public final class PostgresConnectionPool: @unchecked Sendable {
    private let conninfo: String
    private let setup: [String]
    public let limit: Int
    private let available = Condition()
    private var idle: [PostgresConnection] = []
    private var made = 0

    /// Connects once now, so that a wrong URL or an unreachable server is told at open.
    public init(_ conninfo: String, setup: [String] = [], limit: Int = 4) throws(PostgresConnection.Failure) {
        self.conninfo = conninfo
        self.setup = setup
        self.limit = max(1, limit)
        idle = [try PostgresConnection(conninfo, setup: setup)]
        made = 1
    }

    /// Runs `body` with a connection no other caller is using meanwhile.
    public func withConnection<T>(
        _ body: (PostgresConnection) throws(PostgresConnection.Failure) -> T
    ) throws(PostgresConnection.Failure) -> T {
        let connection = try take()
        defer {
            available.lock()
            idle.append(connection)
            available.signal()
            available.unlock()
        }
        return try body(connection)
    }

    /// A free connection, a new one while fewer than `limit` exist, or the next one freed.
    private func take() throws(PostgresConnection.Failure) -> PostgresConnection {
        available.lock()
        while idle.isEmpty && made >= limit { available.wait() }
        if let free = idle.popLast() {
            available.unlock()
            return free
        }
        made += 1
        available.unlock()
        do {
            return try PostgresConnection(conninfo, setup: setup)
        } catch {
            available.lock()
            made -= 1
            available.signal()
            available.unlock()
            throw error
        }
    }

    /// One statement on a free connection.
    @discardableResult
    public func query(
        _ sql: String, _ parameters: [PostgresConnection.Value] = []
    ) throws(PostgresConnection.Failure) -> PostgresConnection.Rows {
        try withConnection { connection throws(PostgresConnection.Failure) in try connection.query(sql, parameters) }
    }

    /// One transaction on a free connection (see `PostgresConnection.transaction`).
    public func transaction<T>(
        _ body: (PostgresConnection.Transaction) throws(PostgresConnection.Failure) -> T
    ) throws(PostgresConnection.Failure) -> T {
        try withConnection { connection throws(PostgresConnection.Failure) in try connection.transaction(body) }
    }
}
