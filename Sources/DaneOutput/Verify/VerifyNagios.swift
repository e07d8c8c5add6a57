import DaneModel

/// `verify --nagios`, as the monitoring-plugins guidelines ask: every state (UNKNOWN included)
/// prints one status line on standard output naming the first problem, then long output with
/// one problem a line, and perfdata. The state reads each domain's one outcome: CRITICAL when
/// senders fail (DANE, DNSSEC, an enforced MTA-STS policy), WARNING for what needs attention
/// (not protected, MTA-STS testing problems, drift, expiring certificates or signatures), OK.
public enum VerifyNagios {
    public static func render(_ reports: [DomainReport]) -> (text: String, status: Int32) {
        let critical: Set<DomainReport.Outcome> = [.dnsProblem, .daneFailure, .mtaSTSFailure]
        let warning: Set<DomainReport.Outcome> = [.warning, .notProtected]
        let failing = reports.filter { critical.contains($0.outcome) }
        let warned = reports.filter { warning.contains($0.outcome) }
        let status: Int32 = !failing.isEmpty ? 2 : !warned.isEmpty ? 1 : 0
        let problems = (failing + warned).flatMap(Self.problems)
        let first = problems.first ?? "\(reports.count) domain(s): every MX host authenticates by DANE"
        let counts = DomainReport.Outcome.allCases.map { outcome in
            "\(outcome.rawValue.replacing("-", with: "_"))=\(reports.filter { $0.outcome == outcome }.count);;;0"
        }
        let perfdata = "domains=\(reports.count);;;0 " + counts.joined(separator: " ")
        let long = problems.dropFirst().prefix(200).map { $0 + "\n" }.joined()
        return (line(status, first) + " | \(perfdata)\n" + long, status)
    }

    /// The UNKNOWN answer when verify could not run at all (the resolver does not answer...).
    public static func unknown(_ reason: String) -> String { line(3, reason) + "\n" }

    static func line(_ status: Int32, _ text: String) -> String {
        "DANE VERIFY \(["OK", "WARNING", "CRITICAL", "UNKNOWN"][Int(status)]) - "
            + TerminalText.visible(text, limit: 300).replacing("|", with: "/")
    }

    /// One line per problem of a domain, the most serious first, in the sender's terms.
    public static func problems(_ report: DomainReport) -> [String] {
        let domain = report.domain.hasSuffix(".") ? String(report.domain.dropLast()) : report.domain
        var lines: [String] = []
        if let failure = report.failure {
            lines.append("\(domain): \(failure.exchangeCode) \(failure.title)\(report.detail.map { " (\($0))" } ?? "")")
        }
        for host in report.hosts {
            let name = host.host.hasSuffix(".") ? String(host.host.dropLast()) : host.host
            if let failure = host.failure {
                lines.append("\(domain): \(name) \(failure.exchangeCode) \(failure.title)")
            }
            for address in host.addresses {
                if let failure = address.failure {
                    lines.append("\(domain): \(name) \(address.address) \(failure.exchangeCode) \(failure.title)")
                }
            }
        }
        if let sts = report.mtaSTS {
            for problem in sts.problems {
                lines.append(
                    "\(domain): MTA-STS \(sts.mode?.rawValue ?? "unreadable") \(problem.resultType.rawValue): \(problem.detail)"
                )
            }
        }
        if report.outcome == .notProtected { lines.append("\(domain): not protected: DANE is not in force") }
        for finding in report.drift ?? [] { lines.append("\(domain): drift: \(finding)") }
        for warning in report.warnings { lines.append("\(domain): \(warning.message)") }
        for host in report.hosts {
            for address in host.addresses {
                lines += address.warnings.map { "\(domain): \(address.address): \($0.message)" }
            }
        }
        for warning in report.mtaSTS?.warnings ?? [] { lines.append("\(domain): MTA-STS: \(warning.message)") }
        return lines.map { TerminalText.visible($0, limit: 300) }
    }
}
