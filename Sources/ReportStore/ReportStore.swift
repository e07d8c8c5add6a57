import DaneModel
import Foundation
import GRDB

/// Where TLS-RPT reports are kept: one SQLite file (through GRDB), reports deduplicated by
/// report-id, and every input that could not be read kept aside with its reason, so that no
/// report is ever lost. Safe to share between threads (GRDB serialises writes).
public final class ReportStore: Sendable {
    private let queue: DatabaseQueue
    public let path: String

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public enum Stored: Sendable, Equatable {
        case new
        case duplicate
    }

    /// Opens (creating when missing) the store at `path` and brings its tables up to date.
    public init(path: String) throws(Failure) {
        self.path = path
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)  // `ingest` from an MTA pipe while `serve` runs
            // WAL: `summary` reads while `serve` or `ingest` writes.
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(queue)
        } catch {
            throw Failure(description: "\(path): cannot open the report store: \(Self.reason(error))")
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
        return migrator
    }

    /// What one input holds, ready to keep: a readable report, or why it is not one.
    public enum Item: Sendable {
        case report(AggregateReport, json: Data, source: String)
        case rejected(source: String, reason: String, content: Data)
    }

    /// Stores one report unless a report with its report-id is already kept.
    public func store(_ report: AggregateReport, json: Data, source: String, receivedAt: Date) throws(Failure) -> Stored {
        try save([.report(report, json: json, source: source)], receivedAt: receivedAt)[0] ?? .duplicate
    }

    /// Keeps an input that is not a readable report, with why, for a person to look at.
    public func keepAside(source: String, reason: String, content: Data, receivedAt: Date) throws(Failure) {
        _ = try save([.rejected(source: source, reason: reason, content: content)], receivedAt: receivedAt)
    }

    /// Keeps every item in one transaction (one disk sync for the lot): all or none. For each
    /// item, whether its report was new or a duplicate (nil for rejected inputs).
    public func save(_ items: [Item], receivedAt: Date) throws(Failure) -> [Stored?] {
        guard !items.isEmpty else { return [] }
        do {
            return try queue.write { db in
                try items.map { item -> Stored? in
                    switch item {
                    case .report(let report, let json, let source): return try Self.insert(report, json: json, source: source, receivedAt: receivedAt, db)
                    case .rejected(let source, let reason, let content):
                        try db.execute(sql: "INSERT INTO rejected (source, reason, received_at, content) VALUES (?, ?, ?, ?)",
                                       arguments: [source, reason, receivedAt.timeIntervalSince1970, content])
                        return nil
                    }
                }
            }
        } catch {
            throw Failure(description: "\(path): cannot store \(items.count == 1 ? "the input" : "\(items.count) inputs"): \(Self.reason(error))")
        }
    }

    private static func insert(_ report: AggregateReport, json: Data, source: String, receivedAt: Date, _ db: Database) throws -> Stored {
        try db.execute(sql: "INSERT OR IGNORE INTO report VALUES (?, ?, ?, ?, ?, ?, ?, ?)", arguments: [
            report.reportID, report.organizationName, report.contactInfo, report.dateRange.start.timeIntervalSince1970,
            report.dateRange.end.timeIntervalSince1970, receivedAt.timeIntervalSince1970, source, json,
        ])
        guard db.changesCount == 1 else { return .duplicate }
        for (position, result) in report.policies.enumerated() {
            let policy = result.policy
            try db.execute(sql: "INSERT INTO policy VALUES (?, ?, ?, ?, ?, ?, ?, ?)", arguments: [
                report.reportID, position, policy.policyType, domainKey(policy.policyDomain),
                policy.policyString.joined(separator: "\n"), policy.mxHost.joined(separator: "\n"),
                result.summary.successful, result.summary.failed,
            ])
            for detail in result.failureDetails {
                try db.execute(sql: "INSERT INTO failure VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", arguments: [
                    report.reportID, position, detail.resultType, detail.sendingMTAIP,
                    detail.receivingMXHostname.map(domainKey), detail.receivingMXHelo, detail.receivingIP,
                    detail.failedSessionCount, detail.additionalInformation, detail.failureReasonCode,
                ])
            }
        }
        return .new
    }

    /// Inputs kept aside, newest first.
    public func rejected(limit: Int = 100) throws(Failure) -> [(source: String, reason: String, receivedAt: Date)] {
        do {
            return try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT source, reason, received_at FROM rejected ORDER BY id DESC LIMIT ?", arguments: [limit]).map {
                    (source: $0["source"], reason: $0["reason"], receivedAt: Date(timeIntervalSince1970: $0["received_at"]))
                }
            }
        } catch {
            throw Failure(description: "\(path): cannot read: \(Self.reason(error))")
        }
    }

    /// What the stored reports say, per domain and policy, for reports ending at or after
    /// `since` (all when nil), for one domain or all.
    public func summary(since: Date?, domain: String?) throws(Failure) -> ReportSummary {
        let sinceValue = since?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude
        let domainValue = domain.map(Self.domainKey)
        do {
            return try queue.read { db in
                let totals = try Row.fetchAll(db, sql: """
                    SELECT p.policy_domain AS domain, p.policy_type AS type, SUM(p.successful) AS ok, SUM(p.failed) AS failed,
                           COUNT(DISTINCT r.report_id) AS reports, GROUP_CONCAT(DISTINCT r.organization) AS organizations,
                           MIN(r.start_at) AS first, MAX(r.end_at) AS last
                    FROM policy p JOIN report r ON r.report_id = p.report_id
                    WHERE r.end_at >= ? AND (? IS NULL OR p.policy_domain = ?)
                    GROUP BY p.policy_domain, p.policy_type ORDER BY p.policy_domain, p.policy_type
                    """, arguments: [sinceValue, domainValue, domainValue])
                let failures = try Row.fetchAll(db, sql: """
                    SELECT p.policy_domain AS domain, p.policy_type AS type, f.receiving_mx_hostname AS mx, f.receiving_ip AS ip,
                           f.result_type AS result, f.failure_reason_code AS reason_code, SUM(f.failed_sessions) AS sessions,
                           GROUP_CONCAT(DISTINCT r.organization) AS organizations, MAX(f.additional_information) AS information
                    FROM failure f JOIN policy p ON p.report_id = f.report_id AND p.position = f.position
                    JOIN report r ON r.report_id = f.report_id
                    WHERE r.end_at >= ? AND (? IS NULL OR p.policy_domain = ?)
                    GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, sessions DESC, 3, 4, 5
                    """, arguments: [sinceValue, domainValue, domainValue])
                let rejectedCount = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rejected") ?? 0
                var policies: [ReportSummary.PolicyTotals] = totals.map { row in
                    ReportSummary.PolicyTotals(
                        domain: row["domain"], policyType: row["type"], successfulSessions: row["ok"], failedSessions: row["failed"],
                        reports: row["reports"], organizations: Self.list(row["organizations"]),
                        firstDate: Date(timeIntervalSince1970: row["first"]), lastDate: Date(timeIntervalSince1970: row["last"]), failures: [])
                }
                for row in failures {
                    let domain: String = row["domain"], type: String = row["type"]
                    guard let index = policies.firstIndex(where: { $0.domain == domain && $0.policyType == type }) else { continue }
                    policies[index].failures.append(ReportSummary.FailureGroup(
                        mxHost: row["mx"], receivingIP: row["ip"], resultType: row["result"], failureReasonCode: row["reason_code"],
                        sessions: row["sessions"], organizations: Self.list(row["organizations"]), additionalInformation: row["information"]))
                }
                return ReportSummary(since: since, domain: domainValue, policies: policies, rejectedInputs: rejectedCount)
            }
        } catch {
            throw Failure(description: "\(path): cannot summarise: \(Self.reason(error))")
        }
    }

    private static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map(String.init).sorted()
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
}
