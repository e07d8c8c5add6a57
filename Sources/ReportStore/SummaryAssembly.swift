import DaneModel
import FoundationEssentials

/// The rollup totals a backend reads for `summary`, one row per domain and policy type, and
/// one per failure group, before names filed under an MX host are counted for their domains.
struct PolicyTotalsRow {
    let domain: String, type: String
    let successful: Int, failed: Int, reports: Int
    let organizations: [String]
    let firstAt: Double, lastAt: Double
}
struct FailureTotalsRow {
    let domain: String, type: String, mx: String, resultType: String, reasonCode: String
    let sessions: Int
    let organizations: [String]
    let information: String?
    /// The busiest receiving addresses, and how many distinct ones the group has.
    let addresses: (listed: [ReportSummary.AddressSessions], count: Int)

    /// `[[ip, sessions, count of all], ...]` as both databases aggregate the busiest
    /// addresses: the addresses, and how many the group has.
    static func addresses(fromJSON text: String?) -> (listed: [ReportSummary.AddressSessions], count: Int) {
        guard let text, let rows = try? JSONDecoder().decode([[Cell]].self, from: Data(text.utf8)) else {
            return ([], 0)
        }
        let listed = rows.compactMap { row -> ReportSummary.AddressSessions? in
            guard row.count == 3, case .text(let ip) = row[0], let sessions = row[1].integer else { return nil }
            return .init(ip: ip, sessions: sessions)
        }
        let count = rows.first.flatMap { $0.count == 3 ? $0[2].integer : nil } ?? 0
        return (listed, count)
    }

    /// One value of those rows: text, a number, or something else (then the row is skipped).
    enum Cell: Decodable {
        case text(String), number(Double), other

        init(from decoder: any Decoder) throws {
            let value = try decoder.singleValueContainer()
            if let text = try? value.decode(String.self) {
                self = .text(text)
            } else if let number = try? value.decode(Double.self) {
                self = .number(number)
            } else {
                self = .other
            }
        }

        /// A number as a count (its whole part); nil for anything else or out of range.
        var integer: Int? {
            guard case .number(let number) = self, number.isFinite, abs(number) < 9e18 else { return nil }
            return Int(number)
        }
    }
}

/// What a backend reads for one summary.
struct SummaryTotals {
    var policies: [PolicyTotalsRow] = []
    var failures: [FailureTotalsRow] = []
    var rejected = 0
}

/// The SQL both backends run for a summary, written once. Failures are grouped by MX host and
/// result type, never by address: each group carries its busiest `ReportSummary.addressesListed`
/// receiving addresses and the count of all, found per group through the
/// `daily_failure_group` index, so the answer's size and time do not grow with the spread of
/// receiving IPs (100,000 reports, every failure from its own address: ~0.4 s of SQL).
struct SummarySQL {
    /// The period's start placeholder (`?1`, `$1`).
    let first: String
    /// `AND policy_domain IN (...)`, or empty.
    let filter: String
    /// Aggregates distinct `column` values into a JSON array (text).
    let names: (String) -> String
    /// Aggregates `(ip, s, n)` rows into a JSON array of triples (text).
    let triples: String

    var policies: String {
        """
        SELECT policy_domain, policy_type, SUM(successful), SUM(failed), SUM(reports), \(names("organization")),
               MIN(first_at), MAX(last_at)
        FROM daily_policy WHERE last_at >= \(first) \(filter) GROUP BY 1, 2
        """
    }

    var failures: String {
        let group = """
            f.policy_domain = g.policy_domain AND f.policy_type = g.policy_type AND f.mx = g.mx \
            AND f.result_type = g.result_type AND f.reason_code = g.reason_code AND f.last_at >= \(first)
            """
        // Per group, one pass over its addresses: each address's sessions, how many there are
        // (n, the same on every row), the busiest few kept.
        return """
            SELECT g.policy_domain, g.policy_type, g.mx, g.result_type, g.reason_code, SUM(g.sessions), \(names("g.organization")),
                   MAX(g.information),
                   (SELECT \(triples) FROM (
                        SELECT ip, s, COUNT(*) OVER () AS n FROM (
                            SELECT f.ip, SUM(f.sessions) AS s FROM daily_failure f WHERE \(group) AND f.ip <> '' GROUP BY f.ip
                        ) AS per_address ORDER BY s DESC, ip LIMIT \(ReportSummary.addressesListed)) AS busiest)
            FROM daily_failure g WHERE g.last_at >= \(first) \(filter) GROUP BY 1, 2, 3, 4, 5
            """
    }

    /// SQLite: the failure rollups kept in summary order (a table clustered on its key, WITHOUT
    /// ROWID), so each group's rows are read together and nothing else is; the older
    /// (policy_domain, last_at) index goes with the old table. Existing stores are rebuilt once.
    static let sqliteFailureRollupsInGroupOrder = """
        CREATE TABLE daily_failure_grouped (
            day INTEGER NOT NULL, policy_domain TEXT NOT NULL, policy_type TEXT NOT NULL, organization TEXT NOT NULL,
            mx TEXT NOT NULL, ip TEXT NOT NULL, result_type TEXT NOT NULL, reason_code TEXT NOT NULL,
            sessions INTEGER NOT NULL, information TEXT, last_at REAL NOT NULL,
            PRIMARY KEY (policy_domain, policy_type, mx, result_type, reason_code, ip, day, organization)) WITHOUT ROWID;
        INSERT INTO daily_failure_grouped SELECT * FROM daily_failure;
        DROP TABLE daily_failure;
        ALTER TABLE daily_failure_grouped RENAME TO daily_failure;
        """

    /// PostgreSQL: the same reading order through an index that holds what the per-group
    /// address query reads; the (policy_domain, last_at) index goes.
    static let postgresIndexes = [
        "DROP INDEX IF EXISTS daily_failure_domain",
        "CREATE INDEX IF NOT EXISTS daily_failure_group ON daily_failure"
            + "(policy_domain, policy_type, mx, result_type, reason_code, ip) INCLUDE (last_at, sessions)",
    ]
}

/// Which rollup rows a summary reads and how they count: the wanted domain (or all), and the
/// names filed for it (an MX host Postfix files DANE policies under counts for every domain
/// the description says uses it). One implementation for every backend.
struct SummaryQuery {
    let wanted: String?
    let aliases: [String: [String]]
    /// The `policy_domain` values to read; nil for all.
    let names: [String]?

    init(domain: String?, filedUnder: [String: [String]]) {
        wanted = domain.map(ReportStore.domainKey)
        let aliases = Dictionary(
            filedUnder.map { (ReportStore.domainKey($0.key), $0.value.map(ReportStore.domainKey)) }, uniquingKeysWith: +
        )
        self.aliases = aliases
        names = wanted.map { want in [want] + aliases.filter { $0.value.contains(want) }.map(\.key) }
    }

    /// The domains a row filed under `name` counts for.
    func domains(for name: String) -> [String] {
        let targets = aliases[name] ?? [name]
        return wanted.map { want in targets.filter { $0 == want } } ?? targets
    }

    func assemble(
        since: Date?, policies rows: [PolicyTotalsRow], failures: [FailureTotalsRow], rejected: Int
    ) -> ReportSummary {
        var totals: [String: ReportSummary.PolicyTotals] = [:]
        for row in rows {
            for target in domains(for: row.domain) {
                let key = target + "\u{0}" + row.type
                if var known = totals[key] {
                    known.successfulSessions += row.successful
                    known.failedSessions += row.failed
                    known.reports += row.reports
                    known.organizations = Array(Set(known.organizations + row.organizations)).sorted()
                    known.firstDate = min(known.firstDate, Date(timeIntervalSince1970: row.firstAt))
                    known.lastDate = max(known.lastDate, Date(timeIntervalSince1970: row.lastAt))
                    totals[key] = known
                } else {
                    totals[key] = ReportSummary.PolicyTotals(
                        domain: target, policyType: row.type, successfulSessions: row.successful,
                        failedSessions: row.failed,
                        reports: row.reports, organizations: row.organizations.sorted(),
                        firstDate: Date(timeIntervalSince1970: row.firstAt),
                        lastDate: Date(timeIntervalSince1970: row.lastAt), failures: [])
                }
            }
        }
        for row in failures {
            for target in domains(for: row.domain) {
                totals[target + "\u{0}" + row.type]?.failures.append(
                    ReportSummary.FailureGroup(
                        mxHost: row.mx.isEmpty ? nil : row.mx,
                        receivingIPs: row.addresses.listed.sorted { ($1.sessions, $0.ip) < ($0.sessions, $1.ip) },
                        receivingIPCount: row.addresses.count, resultType: row.resultType,
                        failureReasonCode: row.reasonCode.isEmpty ? nil : row.reasonCode, sessions: row.sessions,
                        organizations: row.organizations.sorted(), additionalInformation: row.information))
            }
        }
        let policies = totals.keys.sorted().compactMap { key -> ReportSummary.PolicyTotals? in
            guard var policy = totals[key] else { return nil }
            policy.failures.sort {
                ($1.sessions, $0.mxHost ?? "", $0.resultType, $0.failureReasonCode ?? "") < (
                    $0.sessions, $1.mxHost ?? "", $1.resultType, $1.failureReasonCode ?? ""
                )
            }
            return policy
        }
        return ReportSummary(since: since, domain: wanted, policies: policies, rejectedInputs: rejected)
    }

    /// A JSON array of names (as both databases aggregate them), each kept whole.
    static func names(fromJSON text: String?) -> [String] {
        guard let data = text?.data(using: .utf8), let names = try? JSONDecoder().decode([String?].self, from: data)
        else { return [] }
        return names.compactMap { $0 }.sorted()
    }
}
