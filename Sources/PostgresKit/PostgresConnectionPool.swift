import Synchronization

/// Connections to one database for callers on several threads: each caller gets a connection
/// of its own for as long as it needs it, so two transactions run on the server at once (ingest
/// stores one batch while the next is sent). Connections are made when first needed and kept
/// for the next caller; at most as many exist as callers ever ran at once.
public final class PostgresConnectionPool: Sendable {
    private let conninfo: String
    private let setup: [String]
    private let idle = Mutex<[PostgresConnection]>([])

    /// Connects once now, so that a wrong URL or an unreachable server is told at open.
    public init(_ conninfo: String, setup: [String] = []) throws(PostgresConnection.Failure) {
        self.conninfo = conninfo
        self.setup = setup
        let first = try PostgresConnection(conninfo, setup: setup)
        idle.withLock { $0.append(first) }
    }

    /// Runs `body` with a connection no other caller is using meanwhile.
    public func withConnection<T>(
        _ body: (PostgresConnection) throws(PostgresConnection.Failure) -> T
    ) throws(PostgresConnection.Failure) -> T {
        let connection: PostgresConnection
        if let free = idle.withLock({ $0.popLast() }) {
            connection = free
        } else {
            connection = try PostgresConnection(conninfo, setup: setup)
        }
        defer { idle.withLock { $0.append(connection) } }
        return try body(connection)
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
