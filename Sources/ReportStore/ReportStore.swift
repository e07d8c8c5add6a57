import DaneModel
import Foundation
import GRDB

/// Where TLS-RPT reports are kept: one SQLite file (through GRDB). A report's identity is
/// organisation + report-id + date range (RFC 8460 does not make report-id unique across
/// senders, and two Postfix sites send the same one); a re-sent identical report is a
/// duplicate, the same identity with other content is kept aside with the reason, and every
/// input that could not be read is kept aside too, so nothing a sender sent is lost. Per-day
/// rollups kept at insert time make `summary` independent of how many reports are stored.
/// Safe to share between threads (GRDB serialises writes).
public final class ReportStore: Sendable {
    private let queue: DatabaseQueue
    public let path: String

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
        /// Busy (another writer held it), full, read-only or an I/O error: trying again later
        /// can succeed, so an MTA pipe must defer (75), never bounce.
        public let transient: Bool
        public init(description: String, transient: Bool = false) {
            self.description = description
            self.transient = transient
        }
    }

    public enum Stored: Sendable, Equatable {
        case new
        /// The same report (same identity and content) was already stored.
        case duplicate
        /// Another report with the same identity but other content is stored: this one was
        /// kept aside with the reason.
        case conflict(reason: String)
    }

    /// Opens (creating when missing, readable by its owner only) the store at `path` and
    /// brings its tables up to date.
    public init(path: String) throws(Failure) {
        self.path = path
        try Self.createPrivately(path)
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)  // `ingest` from an MTA pipe while `serve` runs
            // WAL: `summary` reads while `serve` or `ingest` writes.
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(queue)
        } catch {
            throw Failure(description: "\(path): cannot open the report store: \(Self.reason(error))", transient: Self.isTransient(error))
        }
    }

    /// The store's own files (database, write-ahead log, shared memory, journal): never inputs.
    public var files: [String] { [path, path + "-wal", path + "-shm", path + "-journal"] }

    /// Reports hold the senders' view of the domain's mail: made 0600 before SQLite sees it
    /// (its -wal and -shm files take the same mode). A path that is there but not a regular
    /// file (a directory, a FIFO, a link elsewhere) is refused.
    private static func createPrivately(_ path: String) throws(Failure) {
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw Failure(description: "\(path): not a regular file, so not a report store")
            }
            return
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd); return }
        guard errno == EEXIST else {
            throw Failure(description: "\(path): cannot create the report store: \(String(cString: strerror(errno)))",
                          transient: errno == ENOSPC || errno == EROFS || errno == EIO)
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1: reports, policies, failures, rejected inputs") { db in
            try db.execute(sql: """
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
        return migrator
    }

    /// What one input holds, ready to keep: a readable report, or why it is not one.
    public enum Item: Sendable {
        case report(AggregateReport, json: Data, source: String)
        case rejected(source: String, reason: String, content: Data)
    }

    /// Stores one report unless the same report is already kept.
    public func store(_ report: AggregateReport, json: Data, source: String, receivedAt: Date) throws(Failure) -> Stored {
        try save([.report(report, json: json, source: source)], receivedAt: receivedAt)[0] ?? .duplicate
    }

    /// Keeps an input that is not a readable report, with why, for a person to look at.
    public func keepAside(source: String, reason: String, content: Data, receivedAt: Date) throws(Failure) {
        _ = try save([.rejected(source: source, reason: reason, content: content)], receivedAt: receivedAt)
    }

    /// Keeps every item in one transaction (one disk sync for the lot): all or none. For each
    /// item, what became of its report (nil for rejected inputs).
    public func save(_ items: [Item], receivedAt: Date) throws(Failure) -> [Stored?] {
        guard !items.isEmpty else { return [] }
        do {
            return try queue.write { db in
                try items.map { item -> Stored? in
                    switch item {
                    case .report(let report, let json, let source):
                        return try Self.insert(report, json: json, source: source, receivedAt: receivedAt, db)
                    case .rejected(let source, let reason, let content):
                        try Self.reject(source: source, reason: reason, content: content, receivedAt: receivedAt, db)
                        return nil
                    }
                }
            }
        } catch {
            throw Failure(description: "\(path): cannot store \(items.count == 1 ? "the input" : "\(items.count) inputs"): \(Self.reason(error))",
                          transient: Self.isTransient(error))
        }
    }

    private static func reject(source: String, reason: String, content: Data, receivedAt: Date, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO rejected (source, reason, received_at, content) VALUES (?, ?, ?, ?)",
                       arguments: [source, reason, receivedAt.timeIntervalSince1970, content])
    }

    private static func insert(_ report: AggregateReport, json: Data, source: String, receivedAt: Date, _ db: Database) throws -> Stored {
        let identity: [DatabaseValueConvertible] = [report.organizationName, report.reportID, report.dateRange.start.timeIntervalSince1970,
                                                    report.dateRange.end.timeIntervalSince1970]
        try db.execute(sql: """
            INSERT INTO report (organization, report_id, start_at, end_at, contact, received_at, source, json)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (organization, report_id, start_at, end_at) DO NOTHING
            """, arguments: StatementArguments(identity + [report.contactInfo, receivedAt.timeIntervalSince1970, source, json]))
        guard db.changesCount == 1 else {
            let row = try Row.fetchOne(db, sql: "SELECT json, source FROM report WHERE organization = ? AND report_id = ? AND start_at = ? AND end_at = ?",
                                       arguments: StatementArguments(identity))
            let storedJSON: Data = row?["json"] ?? Data()
            if let stored = try? AggregateReport.decode(json: storedJSON), stored == report { return .duplicate }
            let reason = "report \(report.reportID) from \(report.organizationName) for the same period is already stored (from "
                + "\(row?["source"] as String? ?? "an earlier input")) with other content: kept aside for review, the stored one untouched"
            try reject(source: source, reason: reason, content: json, receivedAt: receivedAt, db)
            return .conflict(reason: reason)
        }
        let id = db.lastInsertedRowID
        let day = Int((report.dateRange.start.timeIntervalSince1970 / 86_400).rounded(.down))
        let end = report.dateRange.end.timeIntervalSince1970
        var counted = Set<String>()
        let filed = report.filedUnder
        for (position, result) in report.policies.enumerated() {
            let policy = result.policy
            let domain = domainKey(filed[position])
            try db.execute(sql: "INSERT INTO policy VALUES (?, ?, ?, ?, ?, ?, ?, ?)", arguments: [
                id, position, policy.policyType, domain, policy.policyString.joined(separator: "\n"), policy.mxHost.joined(separator: "\n"),
                result.summary.successful, result.summary.failed,
            ])
            // A report counts once per domain and policy type however many policies it lists there.
            let firstHere = counted.insert(domain + "\u{0}" + policy.policyType).inserted
            try db.execute(sql: """
                INSERT INTO daily_policy VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (day, policy_domain, policy_type, organization) DO UPDATE SET
                    successful = successful + excluded.successful, failed = failed + excluded.failed, reports = reports + excluded.reports,
                    first_at = MIN(first_at, excluded.first_at), last_at = MAX(last_at, excluded.last_at)
                """, arguments: [day, domain, policy.policyType, report.organizationName, result.summary.successful, result.summary.failed,
                                 firstHere ? 1 : 0, report.dateRange.start.timeIntervalSince1970, end])
            for detail in result.failureDetails {
                try db.execute(sql: "INSERT INTO failure VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", arguments: [
                    id, position, detail.resultType, detail.sendingMTAIP, detail.receivingMXHostname.map(domainKey), detail.receivingMXHelo,
                    detail.receivingIP, detail.failedSessionCount, detail.additionalInformation, detail.failureReasonCode,
                ])
                try db.execute(sql: """
                    INSERT INTO daily_failure VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (day, policy_domain, policy_type, organization, mx, ip, result_type, reason_code) DO UPDATE SET
                        sessions = sessions + excluded.sessions,
                        information = COALESCE(MAX(information, excluded.information), information, excluded.information),
                        last_at = MAX(last_at, excluded.last_at)
                    """, arguments: [day, domain, policy.policyType, report.organizationName, detail.receivingMXHostname.map(domainKey) ?? "",
                                     detail.receivingIP ?? "", detail.resultType, detail.failureReasonCode ?? "", detail.failedSessionCount,
                                     detail.additionalInformation, end])
            }
        }
        return .new
    }

    /// One input kept aside, as `reports rejected` lists it.
    public struct RejectedInput: Sendable, Equatable {
        public let id: Int64
        public let source: String
        public let reason: String
        public let receivedAt: Date
        public let size: Int
    }

    /// Inputs kept aside, newest first.
    public func rejected(limit: Int = 100) throws(Failure) -> [RejectedInput] {
        do {
            return try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT id, source, reason, received_at, length(content) AS size FROM rejected ORDER BY id DESC LIMIT ?",
                                 arguments: [limit]).map {
                    RejectedInput(id: $0["id"], source: $0["source"], reason: $0["reason"],
                                  receivedAt: Date(timeIntervalSince1970: $0["received_at"]), size: $0["size"])
                }
            }
        } catch {
            throw Failure(description: "\(path): cannot read: \(Self.reason(error))", transient: Self.isTransient(error))
        }
    }

    /// The content of one input kept aside (to look at, or to ingest again once fixed).
    public func rejectedContent(id: Int64) throws(Failure) -> Data? {
        do {
            return try queue.read { db in try Data.fetchOne(db, sql: "SELECT content FROM rejected WHERE id = ?", arguments: [id]) }
        } catch {
            throw Failure(description: "\(path): cannot read: \(Self.reason(error))", transient: Self.isTransient(error))
        }
    }

    /// What the stored reports say, per domain and policy, for reports ending at or after
    /// `since` (all when nil), for one domain or all. `filedUnder` maps a name reports are
    /// filed under (an MX host: Postfix files DANE policies there) to the domains it counts
    /// for; names not in it count for themselves. Read from the per-day rollups.
    public func summary(since: Date?, domain: String?, filedUnder: [String: [String]] = [:]) throws(Failure) -> ReportSummary {
        let sinceValue = since?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude
        let wanted = domain.map(Self.domainKey)
        let aliases = Dictionary(filedUnder.map { (Self.domainKey($0.key), $0.value.map(Self.domainKey)) }, uniquingKeysWith: +)
        // The names whose rows count for the wanted domain: itself and the hosts filed for it.
        let names = wanted.map { want in [want] + aliases.filter { $0.value.contains(want) }.map(\.key) }
        let filter = names.map { "AND policy_domain IN (\(Array(repeating: "?", count: $0.count).joined(separator: ", ")))" } ?? ""
        var arguments: StatementArguments = [sinceValue]
        for name in names ?? [] { arguments += [name] }
        func domains(for name: String) -> [String] {
            let targets = aliases[name] ?? [name]
            return wanted.map { want in targets.filter { $0 == want } } ?? targets
        }
        do {
            return try queue.read { db in
                var totals: [String: ReportSummary.PolicyTotals] = [:]
                var order: [String] = []
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT policy_domain AS domain, policy_type AS type, SUM(successful) AS ok, SUM(failed) AS failed, SUM(reports) AS reports,
                           json_group_array(DISTINCT organization) AS organizations, MIN(first_at) AS first, MAX(last_at) AS last
                    FROM daily_policy WHERE last_at >= ? \(filter) GROUP BY 1, 2
                    """, arguments: arguments)
                while let row = try rows.next() {
                    for target in domains(for: row["domain"]) {
                        let key = target + "\u{0}" + (row["type"] as String)
                        let organizations = Self.list(row["organizations"])
                        if var known = totals[key] {
                            known.successfulSessions += row["ok"]
                            known.failedSessions += row["failed"]
                            known.reports += row["reports"]
                            known.organizations = Array(Set(known.organizations + organizations)).sorted()
                            known.firstDate = min(known.firstDate, Date(timeIntervalSince1970: row["first"]))
                            known.lastDate = max(known.lastDate, Date(timeIntervalSince1970: row["last"]))
                            totals[key] = known
                        } else {
                            order.append(key)
                            totals[key] = ReportSummary.PolicyTotals(
                                domain: target, policyType: row["type"], successfulSessions: row["ok"], failedSessions: row["failed"],
                                reports: row["reports"], organizations: organizations, firstDate: Date(timeIntervalSince1970: row["first"]),
                                lastDate: Date(timeIntervalSince1970: row["last"]), failures: [])
                        }
                    }
                }
                let failures = try Row.fetchCursor(db, sql: """
                    SELECT policy_domain AS domain, policy_type AS type, mx, ip, result_type AS result, reason_code, SUM(sessions) AS sessions,
                           json_group_array(DISTINCT organization) AS organizations, MAX(information) AS information
                    FROM daily_failure WHERE last_at >= ? \(filter) GROUP BY 1, 2, 3, 4, 5, 6
                    """, arguments: arguments)
                while let row = try failures.next() {
                    for target in domains(for: row["domain"]) {
                        let key = target + "\u{0}" + (row["type"] as String)
                        let mx: String = row["mx"], ip: String = row["ip"], code: String = row["reason_code"]
                        totals[key]?.failures.append(ReportSummary.FailureGroup(
                            mxHost: mx.isEmpty ? nil : mx, receivingIP: ip.isEmpty ? nil : ip, resultType: row["result"],
                            failureReasonCode: code.isEmpty ? nil : code, sessions: row["sessions"], organizations: Self.list(row["organizations"]),
                            additionalInformation: row["information"]))
                    }
                }
                let rejectedCount = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rejected") ?? 0
                let policies = order.sorted().compactMap { key -> ReportSummary.PolicyTotals? in
                    guard var policy = totals[key] else { return nil }
                    policy.failures.sort { ($1.sessions, $0.mxHost ?? "", $0.receivingIP ?? "", $0.resultType) < ($0.sessions, $1.mxHost ?? "", $1.receivingIP ?? "", $1.resultType) }
                    return policy
                }
                return ReportSummary(since: since, domain: wanted, policies: policies, rejectedInputs: rejectedCount)
            }
        } catch {
            throw Failure(description: "\(path): cannot summarise: \(Self.reason(error))", transient: Self.isTransient(error))
        }
    }

    /// A JSON array of names (json_group_array), each kept whole whatever it contains.
    private static func list(_ text: String?) -> [String] {
        guard let data = text?.data(using: .utf8), let names = try? JSONDecoder().decode([String?].self, from: data) else { return [] }
        return names.compactMap { $0 }.sorted()
    }

    /// Domains compare without case and trailing dot, as DNS names do.
    static func domainKey(_ name: String) -> String {
        let lower = name.lowercased()
        return lower.hasSuffix(".") ? String(lower.dropLast()) : lower
    }

    private static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }

    /// SQLite's codes for faults that can go away: busy or locked by another writer, disk
    /// full, read-only, I/O error, cannot open (a missing or unwritable directory).
    private static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return [.SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_FULL, .SQLITE_READONLY, .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_PROTOCOL]
            .contains(error.resultCode)
    }
}
