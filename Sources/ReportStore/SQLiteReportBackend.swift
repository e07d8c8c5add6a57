import DaneModel
import Foundation
import GRDB

/// The embedded store: one SQLite file through GRDB, in WAL mode so `summary` reads while
/// `serve` or `ingest` writes; writers wait up to 10 s for each other.
final class SQLiteReportBackend: ReportBackend {
    private let queue: DatabaseQueue

    typealias Failure = ReportStore.Failure

    /// Opens (creating when missing, readable by its owner only) the file at `path` and
    /// brings its tables up to date.
    init(path: String) throws(Failure) {
        try Self.createPrivately(path)
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)  // `ingest` from an MTA pipe while `serve` runs
            // A page cache that holds the rollup indexes' hot pages (SQLite's default is 2 MiB: at
            // 100,000 reports it re-read and re-wrote the same pages thousands of times per batch),
            // and WAL checkpoints every 64 MiB instead of every 4 MiB (each copies pages back).
            configuration.prepareDatabase { db in
                try db.execute(
                    sql: "PRAGMA journal_mode = WAL; PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 16384")
            }
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(queue)
        } catch {
            throw Failure(description: Self.reason(error), transient: Self.isTransient(error))
        }
    }

    /// Reports hold the senders' view of the domain's mail: made 0600 before SQLite sees it
    /// (its -wal and -shm files take the same mode). A path that is there but not a regular
    /// file (a directory, a FIFO, a link elsewhere) is refused.
    private static func createPrivately(_ path: String) throws(Failure) {
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw Failure(description: "not a regular file, so not a report store")
            }
            return
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd); return }
        guard errno == EEXIST else {
            throw Failure(
                description: "cannot create: \(String(cString: strerror(errno)))",
                transient: errno == ENOSPC || errno == EROFS || errno == EIO)
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1: reports, policies, failures, rejected inputs") { db in
            try db.execute(
                sql: """
                    CREATE TABLE report (
                        report_id TEXT PRIMARY KEY, organization TEXT NOT NULL, contact TEXT NOT NULL,
                        start_at REAL NOT NULL, end_at REAL NOT NULL, received_at REAL NOT NULL,
                        source TEXT NOT NULL, json BLOB NOT NULL);
                    CREATE TABLE policy (
                        report_id TEXT NOT NULL REFERENCES report(report_id) ON DELETE CASCADE, position INTEGER NOT NULL,
                        policy_type TEXT NOT NULL, policy_domain TEXT NOT NULL, policy_string TEXT NOT NULL, mx_host TEXT NOT NULL,
                        successful INTEGER NOT NULL, failed INTEGER NOT NULL, PRIMARY KEY (report_id, position));
                    CREATE INDEX policy_domain ON policy(policy_domain);
                    CREATE TABLE failure (
                        report_id TEXT NOT NULL, position INTEGER NOT NULL, result_type TEXT NOT NULL,
                        sending_mta_ip TEXT, receiving_mx_hostname TEXT, receiving_mx_helo TEXT, receiving_ip TEXT,
                        failed_sessions INTEGER NOT NULL, additional_information TEXT, failure_reason_code TEXT,
                        FOREIGN KEY (report_id, position) REFERENCES policy(report_id, position) ON DELETE CASCADE);
                    CREATE INDEX failure_policy ON failure(report_id, position);
                    CREATE INDEX report_end ON report(end_at);
                    CREATE TABLE rejected (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, reason TEXT NOT NULL,
                        received_at REAL NOT NULL, content BLOB NOT NULL);
                    """)
        }
        migrator.registerMigration("2: identity is organisation + report-id + date range; per-day rollups") { db in
            try db.execute(sql: Schema.version2)
        }
        migrator.registerMigration("3: failure rollups kept in summary order") { db in
            try db.execute(sql: SummarySQL.sqliteFailureRollupsInGroupOrder)
        }
        migrator.registerMigration("4: verify history") { db in
            for statement in historySQL.tables { try db.execute(sql: statement) }
        }
        migrator.registerMigration("5: indexes no query reads") { db in
            for statement in Self.unusedIndexes { try db.execute(sql: statement) }
        }
        return migrator
    }

    /// Every item in one transaction (one disk sync for the lot): all or none.
    func save(_ items: [ReportStore.Item], receivedAt: Date) throws(Failure) -> [ReportStore.Stored?] {
        do {
            return try queue.write { db in
                let inserts = try Inserts(db)
                return try items.map { item -> ReportStore.Stored? in
                    switch item {
                    case .report(let report, let json, let source):
                        return try Self.insert(report, json: json, source: source, receivedAt: receivedAt, inserts, db)
                    case .rejected(let source, let reason, let content):
                        try Self.reject(source: source, reason: reason, content: content, receivedAt: receivedAt, db)
                        return nil
                    }
                }
            }
        } catch {
            throw Failure(description: Self.reason(error), transient: Self.isTransient(error))
        }
    }

    private static func reject(source: String, reason: String, content: Data, receivedAt: Date, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO rejected (source, reason, received_at, content) VALUES (?, ?, ?, ?)")
            .execute(arguments: [source, reason, receivedAt.timeIntervalSince1970, content])
    }

    /// The INSERTs of a report, prepared once per connection (GRDB's statement cache: preparing
    /// each again cost more than running it) and looked up once per transaction (the cache is
    /// keyed by the SQL text, hashed at every lookup: 13 lookups per report).
    private struct Inserts {
        let report, policy, failure, dailyPolicy, dailyFailure: Statement

        init(_ db: Database) throws {
            report = try db.cachedStatement(
                sql: """
                    INSERT INTO report (organization, report_id, start_at, end_at, contact, received_at, source, json)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (organization, report_id, start_at, end_at) DO NOTHING
                    """)
            policy = try db.cachedStatement(sql: "INSERT INTO policy VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            failure = try db.cachedStatement(sql: "INSERT INTO failure VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            dailyPolicy = try db.cachedStatement(
                sql: """
                    INSERT INTO daily_policy VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (day, policy_domain, policy_type, organization) DO UPDATE SET
                        successful = successful + excluded.successful, failed = failed + excluded.failed, reports = reports + excluded.reports,
                        first_at = MIN(first_at, excluded.first_at), last_at = MAX(last_at, excluded.last_at)
                    """)
            dailyFailure = try db.cachedStatement(
                sql: """
                    INSERT INTO daily_failure VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (day, policy_domain, policy_type, organization, mx, ip, result_type, reason_code) DO UPDATE SET
                        sessions = sessions + excluded.sessions,
                        information = COALESCE(MAX(information, excluded.information), information, excluded.information),
                        last_at = MAX(last_at, excluded.last_at)
                    """)
        }
    }

    private static func insert(
        _ report: AggregateReport, json: Data, source: String, receivedAt: Date, _ inserts: Inserts, _ db: Database
    ) throws -> ReportStore.Stored {
        let identity: [DatabaseValueConvertible] = [
            report.organizationName, report.reportID, report.dateRange.start.timeIntervalSince1970,
            report.dateRange.end.timeIntervalSince1970,
        ]
        try inserts.report.execute(
            arguments: StatementArguments(
                identity + [report.contactInfo, receivedAt.timeIntervalSince1970, source, json]))
        guard db.changesCount == 1 else {
            let row = try Row.fetchOne(
                db,
                sql:
                    "SELECT json, source FROM report WHERE organization = ? AND report_id = ? AND start_at = ? AND end_at = ?",
                arguments: StatementArguments(identity))
            let verdict = ReportRows.verdict(
                arriving: report, json: json, storedJSON: row?["json"], storedSource: row?["source"])
            if case .conflict(let reason) = verdict {
                try reject(source: source, reason: reason, content: json, receivedAt: receivedAt, db)
            }
            return verdict
        }
        let id = db.lastInsertedRowID
        let rows = ReportRows(report)
        for policy in rows.policies {
            try inserts.policy.execute(arguments: [
                id, policy.position, policy.type, policy.domain, policy.policyString, policy.mxHost, policy.successful,
                policy.failed,
            ])
        }
        for failure in rows.failures {
            try inserts.failure.execute(
                arguments: [
                    id, failure.position, failure.resultType, failure.sendingIP, failure.mxHostname, failure.mxHelo,
                    failure.receivingIP,
                    failure.sessions, failure.information, failure.reasonCode,
                ])
        }
        for (key, counts) in rows.rollups.policies {
            try inserts.dailyPolicy.execute(arguments: [
                key.day, key.domain, key.type, key.organization, counts.successful, counts.failed, counts.reports,
                counts.firstAt, counts.lastAt,
            ])
        }
        for (key, counts) in rows.rollups.failures {
            try inserts.dailyFailure.execute(arguments: [
                key.day, key.domain, key.type, key.organization, key.mx, key.ip, key.resultType, key.reasonCode,
                counts.sessions, counts.information, counts.lastAt,
            ])
        }
        return .new
    }

    func rejected(limit: Int) throws(Failure) -> [ReportStore.RejectedInput] {
        do {
            return try queue.read { db in
                try Row.fetchAll(
                    db,
                    sql:
                        "SELECT id, source, reason, received_at, length(content) AS size FROM rejected ORDER BY id DESC LIMIT ?",
                    arguments: [limit]
                ).map {
                    ReportStore.RejectedInput(
                        id: $0["id"], source: $0["source"], reason: $0["reason"],
                        receivedAt: Date(timeIntervalSince1970: $0["received_at"]), size: $0["size"])
                }
            }
        } catch {
            throw Failure(description: Self.reason(error), transient: Self.isTransient(error))
        }
    }

    func rejectedContent(id: Int64) throws(Failure) -> Data? {
        do {
            return try queue.read { db in
                try Data.fetchOne(db, sql: "SELECT content FROM rejected WHERE id = ?", arguments: [id])
            }
        } catch {
            throw Failure(description: Self.reason(error), transient: Self.isTransient(error))
        }
    }

    private static let historySQL = VerifyHistorySQL(real: "REAL", parameter: { "?\($0)" })

    /// Left from when summaries read the report tables: every insert paid for them.
    static let unusedIndexes = ["DROP INDEX IF EXISTS policy_domain", "DROP INDEX IF EXISTS report_end"]

    func record(_ checks: [VerifyCheck], keepingFrom oldest: Double) throws(Failure) {
        let sql = Self.historySQL
        do {
            try queue.write { db in
                for check in checks {
                    let at = check.checkedAt.timeIntervalSince1970
                    try db.execute(
                        sql: sql.insertCheck,
                        arguments: [
                            check.domain, at, check.outcome, VerifyHistorySQL.encode(check.codes), check.problem,
                            check.certificateExpiry?.timeIntervalSince1970,
                            check.signatureExpiry?.timeIntervalSince1970,
                            check.drift, VerifyHistorySQL.encode(check.chainBreak),
                        ])
                    for address in check.addresses {
                        try db.execute(
                            sql: sql.insertAddress,
                            arguments: [
                                check.domain, at, address.mx, address.address, address.verdict, address.code,
                                address.matched, address.certificateExpiry?.timeIntervalSince1970,
                                VerifyHistorySQL.encode(address.tlsa),
                            ])
                    }
                }
                for statement in sql.prune { try db.execute(sql: statement, arguments: [oldest]) }
            }
        } catch {
            throw Failure(description: Self.reason(error), transient: Self.isTransient(error))
        }
    }

    func latest() throws(Failure) -> [VerifyCheck] {
        do {
            return try queue.read { db in try Row.fetchAll(db, sql: Self.historySQL.selectLatest).map(Self.check) }
        } catch {
            throw Failure(description: Self.reason(error), transient: Self.isTransient(error))
        }
    }

    /// SQLite plans the summary from the tables' shape (the rollups are clustered in
    /// summary order): nothing to refresh.
    func refreshAfterBulkLoad() {}

    func daily(fromDay: Int, names: [String]) throws(Failure) -> [DailySessions] {
        guard !names.isEmpty else { return [] }
        do {
            return try queue.read { db in
                try Row.fetchAll(
                    db, sql: Self.historySQL.selectDaily(names: names.count),
                    arguments: StatementArguments([fromDay] + names as [any DatabaseValueConvertible])
                ).map { row in
                    DailySessions(
                        day: Date(timeIntervalSince1970: Double(row[0] as Int) * 86_400), successful: row[1],
                        failed: row[2])
                }
            }
        } catch {
            throw Failure(description: Self.reason(error), transient: Self.isTransient(error))
        }
    }

    private static func check(_ row: Row) -> VerifyCheck {
        VerifyCheck(
            domain: row[0], checkedAt: Date(timeIntervalSince1970: row[1]), outcome: row[2],
            codes: VerifyHistorySQL.decode(row[3]), problem: row[4],
            certificateExpiry: (row[5] as Double?).map(Date.init(timeIntervalSince1970:)),
            signatureExpiry: (row[6] as Double?).map(Date.init(timeIntervalSince1970:)), drift: row[7],
            chainBreak: VerifyHistorySQL.decodeBreak(row[8]), addresses: [])
    }

    func history(domain: String, limit: Int) throws(Failure) -> [VerifyCheck] {
        let sql = Self.historySQL
        do {
            return try queue.read { db in
                let checks = try Row.fetchAll(db, sql: sql.selectChecks, arguments: [domain, limit]).map(Self.check)
                guard let oldest = checks.last?.checkedAt.timeIntervalSince1970 else { return [] }
                let addresses = try Row.fetchAll(db, sql: sql.selectAddresses, arguments: [domain, oldest]).map {
                    row in
                    (
                        at: row[0] as Double,
                        VerifyCheck.Address(
                            mx: row[1], address: row[2], verdict: row[3], code: row[4], matched: row[5],
                            certificateExpiry: (row[6] as Double?).map(Date.init(timeIntervalSince1970:)),
                            tlsa: VerifyHistorySQL.decode(row[7]))
                    )
                }
                return VerifyHistorySQL.attach(addresses, to: checks)
            }
        } catch {
            throw Failure(description: Self.reason(error), transient: Self.isTransient(error))
        }
    }

    func totals(since: Double, names: [String]?) throws(Failure) -> SummaryTotals {
        let filter =
            names.map { "AND policy_domain IN (\((0..<$0.count).map { "?\($0 + 2)" }.joined(separator: ", ")))" } ?? ""
        var arguments: StatementArguments = [since]
        for name in names ?? [] { arguments += [name] }
        let sql = SummarySQL(
            first: "?1", filter: filter, names: { "json_group_array(DISTINCT \($0))" },
            triples: "json_group_array(json_array(ip, s, n))")
        do {
            return try queue.read { db in
                var totals = SummaryTotals()
                let policies = try Row.fetchCursor(db, sql: sql.policies, arguments: arguments)
                while let row = try policies.next() {
                    totals.policies.append(
                        PolicyTotalsRow(
                            domain: row[0], type: row[1], successful: row[2], failed: row[3], reports: row[4],
                            organizations: SummaryQuery.names(fromJSON: row[5]), firstAt: row[6], lastAt: row[7]))
                }
                let failures = try Row.fetchCursor(db, sql: sql.failures, arguments: arguments)
                while let row = try failures.next() {
                    totals.failures.append(
                        FailureTotalsRow(
                            domain: row[0], type: row[1], mx: row[2], resultType: row[3], reasonCode: row[4],
                            sessions: row[5], organizations: SummaryQuery.names(fromJSON: row[6]), information: row[7],
                            addresses: FailureTotalsRow.addresses(fromJSON: row[8])))
                }
                totals.rejected = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rejected") ?? 0
                return totals
            }
        } catch {
            throw Failure(description: Self.reason(error), transient: Self.isTransient(error))
        }
    }

    private static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }

    /// SQLite's codes for faults that can go away: busy or locked by another writer, disk
    /// full, read-only, I/O error, cannot open (a missing or unwritable directory).
    private static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return [
            .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_FULL, .SQLITE_READONLY, .SQLITE_IOERR, .SQLITE_CANTOPEN,
            .SQLITE_PROTOCOL,
        ]
        .contains(error.resultCode)
    }
}
