import DaneModel
import FoundationEssentials
import Glibc
import SQLiteKit

/// The embedded store: one SQLite file, in WAL mode so `summary` reads while `serve` or
/// `ingest` writes; writers wait up to 10 s for each other.
final class SQLiteReportBackend: ReportBackend {
    private let queue: SQLiteDatabase

    typealias Failure = ReportStore.Failure

    /// Opens (creating when missing, readable by its owner only) the file at `path` and
    /// brings its tables up to date.
    init(path: String) throws(Failure) {
        try Self.createPrivately(path)
        do {
            // Writers wait 10 s for each other (`ingest` from an MTA pipe while `serve` runs).
            // A page cache that holds the rollup indexes' hot pages (SQLite's default is 2 MiB: at
            // 100,000 reports it re-read and re-wrote the same pages thousands of times per batch),
            // and WAL checkpoints every 64 MiB instead of every 4 MiB (each copies pages back).
            queue = try SQLiteDatabase(
                path: path, busyTimeout: 10,
                setup: "PRAGMA journal_mode = WAL; PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 16384")
            try queue.migrate(Self.migrations)
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

    /// The schema's history; identifiers are the ones stores already record.
    private static let migrations: [SQLiteDatabase.Migration] = [
        .init("1: reports, policies, failures, rejected inputs") { db in
            try db.execute(
                """
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
        },
        .init("2: identity is organisation + report-id + date range; per-day rollups") { db in
            try db.execute(Schema.version2)
        },
        .init("3: failure rollups kept in summary order") { db in
            try db.execute(SummarySQL.sqliteFailureRollupsInGroupOrder)
        },
        .init("4: verify history") { db in
            for statement in historySQL.tables { try db.execute(statement) }
        },
        .init("5: indexes no query reads") { db in
            for statement in unusedIndexes { try db.execute(statement) }
        },
    ]

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

    private static func reject(
        source: String, reason: String, content: Data, receivedAt: Date, _ db: SQLiteConnection
    ) throws {
        try db.execute(
            "INSERT INTO rejected (source, reason, received_at, content) VALUES (?, ?, ?, ?)",
            [source, reason, receivedAt.timeIntervalSince1970, content])
    }

    /// The INSERTs of a report, prepared once per connection (preparing each again cost more
    /// than running it) and looked up once per transaction (the cache is keyed by the SQL
    /// text, hashed at every lookup: 13 lookups per report).
    private struct Inserts {
        let report, policy, failure, dailyPolicy, dailyFailure: SQLiteStatement

        init(_ db: SQLiteConnection) throws {
            report = try db.statement(
                """
                INSERT INTO report (organization, report_id, start_at, end_at, contact, received_at, source, json)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (organization, report_id, start_at, end_at) DO NOTHING
                """)
            policy = try db.statement("INSERT INTO policy VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            failure = try db.statement("INSERT INTO failure VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            dailyPolicy = try db.statement(
                """
                INSERT INTO daily_policy VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (day, policy_domain, policy_type, organization) DO UPDATE SET
                    successful = successful + excluded.successful, failed = failed + excluded.failed, reports = reports + excluded.reports,
                    first_at = MIN(first_at, excluded.first_at), last_at = MAX(last_at, excluded.last_at)
                """)
            dailyFailure = try db.statement(
                """
                INSERT INTO daily_failure VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (day, policy_domain, policy_type, organization, mx, ip, result_type, reason_code) DO UPDATE SET
                    sessions = sessions + excluded.sessions,
                    information = COALESCE(MAX(information, excluded.information), information, excluded.information),
                    last_at = MAX(last_at, excluded.last_at)
                """)
        }
    }

    private static func insert(
        _ report: AggregateReport, json: Data, source: String, receivedAt: Date, _ inserts: Inserts,
        _ db: SQLiteConnection
    ) throws -> ReportStore.Stored {
        let identity: [any SQLiteBindable] = [
            report.organizationName, report.reportID, report.dateRange.start.timeIntervalSince1970,
            report.dateRange.end.timeIntervalSince1970,
        ]
        try inserts.report.execute(identity + [report.contactInfo, receivedAt.timeIntervalSince1970, source, json])
        guard db.changes == 1 else {
            let row = try db.rows(
                "SELECT json, source FROM report WHERE organization = ? AND report_id = ? AND start_at = ? AND end_at = ?",
                identity
            ).first
            let verdict = ReportRows.verdict(
                arriving: report, json: json, storedJSON: try row?.column(0, as: Data?.self),
                storedSource: try row?.column(1, as: String?.self))
            if case .conflict(let reason) = verdict {
                try reject(source: source, reason: reason, content: json, receivedAt: receivedAt, db)
            }
            return verdict
        }
        let id = db.lastInsertedRowID
        let rows = ReportRows(report)
        for policy in rows.policies {
            try inserts.policy.execute([
                id, policy.position, policy.type, policy.domain, policy.policyString, policy.mxHost, policy.successful,
                policy.failed,
            ])
        }
        for failure in rows.failures {
            try inserts.failure.execute(
                [
                    id, failure.position, failure.resultType, failure.sendingIP, failure.mxHostname, failure.mxHelo,
                    failure.receivingIP,
                    failure.sessions, failure.information, failure.reasonCode,
                ])
        }
        for (key, counts) in rows.rollups.policies {
            try inserts.dailyPolicy.execute([
                key.day, key.domain, key.type, key.organization, counts.successful, counts.failed, counts.reports,
                counts.firstAt, counts.lastAt,
            ])
        }
        for (key, counts) in rows.rollups.failures {
            try inserts.dailyFailure.execute([
                key.day, key.domain, key.type, key.organization, key.mx, key.ip, key.resultType, key.reasonCode,
                counts.sessions, counts.information, counts.lastAt,
            ])
        }
        return .new
    }

    func rejected(limit: Int) throws(Failure) -> [ReportStore.RejectedInput] {
        do {
            return try queue.read { db in
                try db.rows(
                    "SELECT id, source, reason, received_at, length(content) AS size FROM rejected ORDER BY id DESC LIMIT ?",
                    [limit]
                ).map {
                    ReportStore.RejectedInput(
                        id: try $0.column(0), source: try $0.column(1), reason: try $0.column(2),
                        receivedAt: Date(timeIntervalSince1970: try $0.column(3)), size: try $0.column(4))
                }
            }
        } catch {
            throw Failure(description: Self.reason(error), transient: Self.isTransient(error))
        }
    }

    func rejectedContent(id: Int64) throws(Failure) -> Data? {
        do {
            return try queue.read { db in
                try db.rows("SELECT content FROM rejected WHERE id = ?", [id]).first?.column(0, as: Data.self)
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
                        sql.insertCheck,
                        [
                            check.domain, at, check.outcome, VerifyHistorySQL.encode(check.codes), check.problem,
                            check.certificateExpiry?.timeIntervalSince1970,
                            check.signatureExpiry?.timeIntervalSince1970,
                            check.drift, VerifyHistorySQL.encode(check.chainBreak),
                        ])
                    for address in check.addresses {
                        try db.execute(
                            sql.insertAddress,
                            [
                                check.domain, at, address.mx, address.address, address.verdict, address.code,
                                address.matched, address.certificateExpiry?.timeIntervalSince1970,
                                VerifyHistorySQL.encode(address.tlsa),
                            ])
                    }
                }
                for statement in sql.prune { try db.execute(statement, [oldest]) }
            }
        } catch {
            throw Failure(description: Self.reason(error), transient: Self.isTransient(error))
        }
    }

    func latest() throws(Failure) -> [VerifyCheck] {
        do {
            return try queue.read { db in try db.rows(Self.historySQL.selectLatest).map(Self.check) }
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
                try db.rows(Self.historySQL.selectDaily(names: names.count), [fromDay] + names).map { row in
                    DailySessions(
                        day: Date(timeIntervalSince1970: Double(try row.column(0, as: Int.self)) * 86_400),
                        successful: try row.column(1), failed: try row.column(2))
                }
            }
        } catch {
            throw Failure(description: Self.reason(error), transient: Self.isTransient(error))
        }
    }

    private static func check(_ row: SQLiteRow) throws -> VerifyCheck {
        VerifyCheck(
            domain: try row.column(0), checkedAt: Date(timeIntervalSince1970: try row.column(1)),
            outcome: try row.column(2), codes: VerifyHistorySQL.decode(try row.column(3)), problem: try row.column(4),
            certificateExpiry: try row.column(5, as: Double?.self).map(Date.init(timeIntervalSince1970:)),
            signatureExpiry: try row.column(6, as: Double?.self).map(Date.init(timeIntervalSince1970:)),
            drift: try row.column(7), chainBreak: VerifyHistorySQL.decodeBreak(try row.column(8)), addresses: [])
    }

    func history(domain: String, limit: Int) throws(Failure) -> [VerifyCheck] {
        let sql = Self.historySQL
        do {
            return try queue.read { db in
                let checks = try db.rows(sql.selectChecks, [domain, limit]).map(Self.check)
                guard let oldest = checks.last?.checkedAt.timeIntervalSince1970 else { return [] }
                let addresses = try db.rows(sql.selectAddresses, [domain, oldest]).map { row in
                    (
                        at: try row.column(0, as: Double.self),
                        VerifyCheck.Address(
                            mx: try row.column(1), address: try row.column(2), verdict: try row.column(3),
                            code: try row.column(4), matched: try row.column(5),
                            certificateExpiry: try row.column(6, as: Double?.self).map(
                                Date.init(timeIntervalSince1970:)),
                            tlsa: VerifyHistorySQL.decode(try row.column(7)))
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
        let arguments: [any SQLiteBindable] = [since] + (names ?? [])
        let sql = SummarySQL(
            first: "?1", filter: filter, names: { "json_group_array(DISTINCT \($0))" },
            triples: "json_group_array(json_array(ip, s, n))")
        do {
            return try queue.read { db in
                var totals = SummaryTotals()
                try db.statement(sql.policies).each(arguments) { row throws(SQLiteError) in
                    totals.policies.append(
                        PolicyTotalsRow(
                            domain: try row.column(0), type: try row.column(1), successful: try row.column(2),
                            failed: try row.column(3), reports: try row.column(4),
                            organizations: SummaryQuery.names(fromJSON: try row.column(5)),
                            firstAt: try row.column(6), lastAt: try row.column(7)))
                }
                try db.statement(sql.failures).each(arguments) { row throws(SQLiteError) in
                    totals.failures.append(
                        FailureTotalsRow(
                            domain: try row.column(0), type: try row.column(1), mx: try row.column(2),
                            resultType: try row.column(3), reasonCode: try row.column(4),
                            sessions: try row.column(5), organizations: SummaryQuery.names(fromJSON: try row.column(6)),
                            information: try row.column(7),
                            addresses: FailureTotalsRow.addresses(fromJSON: try row.column(8))))
                }
                totals.rejected = try db.rows("SELECT COUNT(*) FROM rejected").first?.column(0) ?? 0
                return totals
            }
        } catch {
            throw Failure(description: Self.reason(error), transient: Self.isTransient(error))
        }
    }

    private static func reason(_ error: any Error) -> String { "\(error)" }

    /// Busy, locked, full, read-only, I/O and open faults can go away (SQLiteError says which).
    private static func isTransient(_ error: any Error) -> Bool { (error as? SQLiteError)?.isTransient ?? false }
}
