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
    let domain: String, type: String, mx: String, ip: String, resultType: String, reasonCode: String
    let sessions: Int
    let organizations: [String]
    let information: String?
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
                        mxHost: row.mx.isEmpty ? nil : row.mx, receivingIP: row.ip.isEmpty ? nil : row.ip,
                        resultType: row.resultType,
                        failureReasonCode: row.reasonCode.isEmpty ? nil : row.reasonCode, sessions: row.sessions,
                        organizations: row.organizations.sorted(), additionalInformation: row.information))
            }
        }
        let policies = totals.keys.sorted().compactMap { key -> ReportSummary.PolicyTotals? in
            guard var policy = totals[key] else { return nil }
            policy.failures.sort {
                ($1.sessions, $0.mxHost ?? "", $0.receivingIP ?? "", $0.resultType) < (
                    $0.sessions, $1.mxHost ?? "", $1.receivingIP ?? "", $1.resultType
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
