import DaneModel

/// `verify --nagios`: one status line with perfdata, and the plugin status: OK when every MX
/// host authenticates, WARNING for what needs attention soon (expiring certificates or
/// signatures, drift, DANE not in force), CRITICAL when senders fail (DANE or DNSSEC).
public enum VerifyNagios {
    public static func render(_ reports: [DomainReport]) -> (line: String, status: Int32) {
        let outcomes = reports.map(\.outcome)
        let critical = reports.filter { $0.outcome == .daneFailure || $0.outcome == .dnsProblem || $0.mtaSTSFails }
        // A null MX (RFC 7505) is a domain that says it takes no mail: nothing to protect, nothing to warn about.
        let warned = reports.filter { ($0.outcome == .notProtected && !$0.nullMX) || !$0.warnings.isEmpty || !($0.drift ?? []).isEmpty
            || $0.hosts.contains { $0.addresses.contains { !$0.warnings.isEmpty } } }
        let status: Int32 = !critical.isEmpty ? 2 : !warned.isEmpty ? 1 : 0
        let label = ["OK", "WARNING", "CRITICAL"][Int(status)]
        let named = (critical.isEmpty ? warned : critical).map { "\($0.domain) \($0.mtaSTSFails && $0.outcome != .daneFailure && $0.outcome != .dnsProblem ? "mta-sts-failure" : $0.outcome.rawValue)" }
        let text = named.isEmpty ? "\(reports.count) domain(s): every MX host authenticates by DANE" : named.joined(separator: "; ")
        let perfdata = "domains=\(reports.count);;;0 pass=\(outcomes.filter { $0 == .pass }.count);;;0 "
            + "failing=\(critical.count);;;0 not_protected=\(reports.filter { $0.outcome == .notProtected && !$0.nullMX }.count);;;0 "
            + "null_mx=\(reports.filter(\.nullMX).count);;;0"
        return ("DANE VERIFY \(label) - \(text) | \(perfdata)\n", status)
    }
}
