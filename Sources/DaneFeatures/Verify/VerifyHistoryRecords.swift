import DaneModel
import FoundationEssentials
import ReportStore

/// What `verify --db` keeps of a run: each domain's verdict, codes and expiries and each MX
/// address's verdict, as values (`VerifyCheck`), so a status page and a trend can be drawn
/// from history. Old checks go after `keepDays`.
public enum VerifyHistoryRecords {
    /// The checks of one run, all stamped with the run's time. `problem` words the first
    /// problem of a domain (the CLI passes the Nagios renderer's, so both say the same).
    public static func checks(
        _ reports: [DomainReport], at time: Date, problem: (DomainReport) -> String?
    ) -> [VerifyCheck] {
        reports.map { report in
            let addresses = report.hosts.flatMap { host in
                host.addresses.map { address in
                    VerifyCheck.Address(
                        mx: host.host, address: address.address, verdict: address.verdict.rawValue,
                        code: address.failure?.resultType, matched: address.matched,
                        certificateExpiry: address.certificates.first?.notAfter,
                        tlsa: host.tlsa.map(\.data.presentation))
                }
            }
            return VerifyCheck(
                domain: ReportStore.domainKey(report.domain), checkedAt: time, outcome: report.outcome.rawValue,
                codes: codes(report),
                problem: report.outcome == .pass ? nil : problem(report),
                certificateExpiry: addresses.compactMap(\.certificateExpiry).min(),
                signatureExpiry: report.earliestSignatureExpiry, drift: report.drift?.count,
                chainBreak: report.chainBreak ?? report.hosts.lazy.compactMap(\.chainBreak).first, addresses: addresses)
        }
    }

    /// Every code of a domain, most serious first (DNS, then hosts and addresses, MTA-STS,
    /// findings, drift), each once.
    static func codes(_ report: DomainReport) -> [String] {
        var codes: [String] = []
        func add(_ code: String?) { if let code, !codes.contains(code) { codes.append(code) } }
        add(report.failure?.resultType)
        for host in report.hosts {
            add(host.failure?.resultType)
            for address in host.addresses { add(address.failure?.resultType) }
        }
        for problem in report.mtaSTS?.problems ?? [] { add(problem.resultType.rawValue) }
        for finding in report.warnings + report.nameServers + report.hosts.flatMap(\.nameServers) {
            add(finding.code.rawValue)
        }
        for address in report.hosts.flatMap(\.addresses) {
            for finding in address.warnings { add(finding.code.rawValue) }
        }
        if let drift = report.drift, !drift.isEmpty { add("drift") }
        return codes
    }

    /// Keeps the run's checks and forgets those older than `keepDays` before `time`.
    public static func record(
        _ checks: [VerifyCheck], in store: ReportStore, at time: Date, keepDays: Int
    ) throws(ReportStore.Failure) {
        try store.record(checks, keepingFrom: time.addingTimeInterval(-Double(keepDays) * 86_400))
    }
}
