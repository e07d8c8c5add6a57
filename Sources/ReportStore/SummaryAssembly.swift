import DaneModel
import Foundation

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

    var groupKey: String { SummaryQuery.groupKey(domain, type, mx, resultType, reasonCode) }
}
/// What a backend reads for one summary.
struct SummaryTotals {
    var policies: [PolicyTotalsRow] = []
    var failures: [FailureTotalsRow] = []
    var addresses: [AddressTotalsRow] = []
    var rejected = 0
}

/// One of a failure group's busiest receiving addresses, and how many the group has.
struct AddressTotalsRow {
    let domain: String, type: String, mx: String, resultType: String, reasonCode: String
    let ip: String, sessions: Int, addresses: Int

    var groupKey: String { SummaryQuery.groupKey(domain, type, mx, resultType, reasonCode) }
}

/// The SQL both backends run for a summary, written once: `first` is the placeholder of the
/// period's start (`?` or `$1`), `filter` the backend's `AND policy_domain IN (...)`, `names`
/// its aggregate of distinct organisations. Failures are grouped by MX host and result type,
/// never by address, and only the busiest `ReportSummary.addressesListed` addresses of each
/// group are returned: the answer's size does not grow with the spread of receiving IPs.
enum SummarySQL {
    static func policies(first: String, filter: String, names: String) -> String {
        """
        SELECT policy_domain, policy_type, SUM(successful), SUM(failed), SUM(reports), \(names), MIN(first_at), MAX(last_at)
        FROM daily_policy WHERE last_at >= \(first) \(filter) GROUP BY 1, 2
        """
    }

    static func failures(first: String, filter: String, names: String) -> String {
        """
        SELECT policy_domain, policy_type, mx, result_type, reason_code, SUM(sessions), \(names), MAX(information)
        FROM daily_failure WHERE last_at >= \(first) \(filter) GROUP BY 1, 2, 3, 4, 5
        """
    }

    static func busiestAddresses(first: String, filter: String) -> String {
        """
        SELECT domain, type, mx, result, reason_code, ip, sessions, addresses FROM (
            SELECT domain, type, mx, result, reason_code, ip, sessions,
                   ROW_NUMBER() OVER (PARTITION BY domain, type, mx, result, reason_code ORDER BY sessions DESC, ip) AS rank,
                   COUNT(*) OVER (PARTITION BY domain, type, mx, result, reason_code) AS addresses
            FROM (SELECT policy_domain AS domain, policy_type AS type, mx, result_type AS result, reason_code, ip,
                         SUM(sessions) AS sessions
                  FROM daily_failure WHERE last_at >= \(first) AND ip <> '' \(filter) GROUP BY 1, 2, 3, 4, 5, 6) AS per_address
        ) AS ranked WHERE rank <= \(ReportSummary.addressesListed)
        """
    }
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

    static func groupKey(_ parts: String...) -> String { parts.joined(separator: "\u{0}") }

    func assemble(
        since: Date?, policies rows: [PolicyTotalsRow], failures: [FailureTotalsRow], addresses: [AddressTotalsRow],
        rejected: Int
    ) -> ReportSummary {
        var listed: [String: (addresses: [ReportSummary.AddressSessions], count: Int)] = [:]
        for row in addresses {
            listed[row.groupKey, default: ([], row.addresses)].addresses.append(
                .init(ip: row.ip, sessions: row.sessions))
        }
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
                        receivingIPs: (listed[row.groupKey]?.addresses ?? []).sorted {
                            ($1.sessions, $0.ip) < ($0.sessions, $1.ip)
                        },
                        receivingIPCount: listed[row.groupKey]?.count ?? 0, resultType: row.resultType,
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
