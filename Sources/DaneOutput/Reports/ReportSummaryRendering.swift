import DaneModel
import FoundationEssentials
import PlainText

/// `reports summary` as text (for a person), JSON (for tools) and Prometheus text exposition
/// (node_exporter's textfile collector). Every failure carries the sender code and fix that
/// `verify` uses for the same result type, and the sender's own words as given.
public enum ReportSummaryRendering {
    public static func text(_ summary: ReportSummary) -> String {
        var lines: [String] = []
        let period = summary.since.map { "since \(RFC3339.string($0))" } ?? "all stored reports"
        if summary.policies.isEmpty {
            lines.append("No TLS-RPT reports \(summary.domain.map { "for \($0) " } ?? "")(\(period)).")
        }
        for policy in summary.policies {
            let total = policy.successfulSessions + policy.failedSessions
            let rate =
                total == 0
                ? "" : " (\(Printf.fixed(Double(policy.failedSessions) * 100 / Double(total), places: 2))% failed)"
            lines.append(
                "\(policy.domain)  policy \(policy.policyType)  \(policy.successfulSessions) successful, \(policy.failedSessions) failed sessions\(rate)"
            )
            lines.append(
                "  \(policy.reports) report(s) from \(policy.organizations.joined(separator: ", ")), \(RFC3339.string(policy.firstDate)) to \(RFC3339.string(policy.lastDate))"
            )
            if policy.policyType == "no-policy-found" {
                lines.append(
                    "  no DANE or MTA-STS policy was found by these senders: mail to \(policy.domain) is not protected from downgrade"
                )
            }
            for failure in policy.failures {
                let place = [failure.mxHost, addresses(failure)].compactMap { $0 }.joined(separator: " ")
                let code = failure.knownType.map { $0.senderCode == $0.rawValue ? "" : " (\($0.senderCode))" } ?? ""
                lines.append(
                    "  FAIL \(failure.resultType)\(code)  \(failure.sessions) session(s)  \(place.isEmpty ? "(no MX named)" : place)"
                )
                if let reason = failure.failureReasonCode {
                    lines.append("    failure-reason-code: \(TerminalText.visible(reason, limit: 200))")
                }
                if let information = failure.additionalInformation {
                    lines.append("    additional-information: \(TerminalText.visible(information, limit: 300))")
                }
                lines.append("    seen by: \(failure.organizations.joined(separator: ", "))")
                lines.append(
                    "    fix: \(failure.knownType?.fix ?? "not a result type of RFC 8460; see the sender's words above")"
                )
            }
        }
        if summary.rejectedInputs > 0 {
            lines.append(
                "\(summary.rejectedInputs) input(s) were not readable reports and are kept aside in the store (table rejected)."
            )
        }
        // Domains, organisations, hosts and result types are the senders' words.
        return lines.map { TerminalText.visible($0, limit: 2000) }.joined(separator: "\n") + "\n"
    }

    struct Document: Encodable {
        let schemaVersion = JSONDocument.schemaVersion
        let since: Date?
        let domain: String?
        let policies: [Policy]
        let rejectedInputs: Int
        enum CodingKeys: String, CodingKey {
            case schemaVersion = "schema_version", since, domain, policies, rejectedInputs = "rejected_inputs"
        }
    }

    struct Policy: Encodable {
        let domain: String, policyType: String, successfulSessions: Int, failedSessions: Int, reports: Int
        let organizations: [String], firstDate: Date, lastDate: Date, failures: [Failure]
        enum CodingKeys: String, CodingKey {
            case domain, policyType = "policy_type", successfulSessions = "successful_sessions", failedSessions =
                "failed_sessions"
            case reports, organizations, firstDate = "first_date", lastDate = "last_date", failures
        }
    }

    /// The receiving addresses of a group as people read them: the one address; or the
    /// busiest with their sessions, and how many more there are.
    static func addresses(_ failure: ReportSummary.FailureGroup) -> String? {
        if let only = failure.receivingIP { return only }
        guard !failure.receivingIPs.isEmpty else { return nil }
        let listed = failure.receivingIPs.map { "\($0.ip) (\($0.sessions))" }.joined(separator: ", ")
        let more = failure.receivingIPCount - failure.receivingIPs.count
        return listed + (more > 0 ? " and \(more) more address\(more == 1 ? "" : "es")" : "")
    }

    struct Address: Encodable {
        let ip: String, sessions: Int
    }

    struct Failure: Encodable {
        let mxHost: String?, receivingIP: String?, resultType: String, senderCode: String?, fix: String?
        let failureReasonCode: String?, additionalInformation: String?, sessions: Int, organizations: [String]
        let receivingIPs: [Address], receivingIPCount: Int
        enum CodingKeys: String, CodingKey {
            case receivingIPs = "receiving_ips", receivingIPCount = "receiving_ip_count"
            case mxHost = "mx_host", receivingIP = "receiving_ip", resultType = "result_type", senderCode =
                "sender_code", fix
            case failureReasonCode = "failure_reason_code", additionalInformation = "additional_information", sessions,
                organizations
        }
    }

    public static func json(_ summary: ReportSummary) -> String {
        JSONDocument.encode(
            Document(
                since: summary.since, domain: summary.domain,
                policies: summary.policies.map { p in
                    Policy(
                        domain: p.domain, policyType: p.policyType, successfulSessions: p.successfulSessions,
                        failedSessions: p.failedSessions,
                        reports: p.reports, organizations: p.organizations, firstDate: p.firstDate,
                        lastDate: p.lastDate,
                        failures: p.failures.map { f in
                            Failure(
                                mxHost: f.mxHost, receivingIP: f.receivingIP, resultType: f.resultType,
                                senderCode: f.knownType?.senderCode,
                                fix: f.knownType?.fix, failureReasonCode: f.failureReasonCode,
                                additionalInformation: f.additionalInformation, sessions: f.sessions,
                                organizations: f.organizations,
                                receivingIPs: f.receivingIPs.map { Address(ip: $0.ip, sessions: $0.sessions) },
                                receivingIPCount: f.receivingIPCount)
                        })
                },
                rejectedInputs: summary.rejectedInputs))
    }

    /// Counters named by Prometheus conventions (`_total`, base units), one series per label set.
    /// Failure series per domain and policy type; past it, one "other" series per result type.
    static let maximumFailureSeries = 100

    public static func prometheus(_ summary: ReportSummary) -> String {
        var out = """
            # HELP danectl_tlsrpt_sessions_total TLS sessions senders reported in TLS-RPT reports, by policy and result.
            # TYPE danectl_tlsrpt_sessions_total counter

            """
        for p in summary.policies {
            let labels =
                "domain=\"\(PrometheusText.label(p.domain))\",policy_type=\"\(PrometheusText.label(p.policyType))\""
            out += "danectl_tlsrpt_sessions_total{\(labels),result=\"successful\"} \(p.successfulSessions)\n"
            out += "danectl_tlsrpt_sessions_total{\(labels),result=\"failed\"} \(p.failedSessions)\n"
        }
        out += """
            # HELP danectl_tlsrpt_failed_sessions_total Failed sessions by MX host, receiving address and RFC 8460 result type.
            # TYPE danectl_tlsrpt_failed_sessions_total counter

            """
        for p in summary.policies {
            // Senders choose these labels: the largest groups each get a series, the rest one
            // "other" series, and result types outside RFC 8460 are "other" too.
            var series: [String: Int] = [:]
            for (rank, f) in p.failures.sorted(by: { $0.sessions > $1.sessions }).enumerated() {
                let type = f.knownType?.rawValue ?? "other"
                let key =
                    rank < maximumFailureSeries
                    ? "mx_host=\"\(PrometheusText.label(f.mxHost ?? ""))\",receiving_ip=\"\(PrometheusText.label(f.receivingIP ?? ""))\",result_type=\"\(type)\""
                    : "mx_host=\"other\",receiving_ip=\"other\",result_type=\"\(type)\""
                series[key, default: 0] += f.sessions
            }
            for (labels, sessions) in series.sorted(by: { $0.key < $1.key }) {
                out +=
                    "danectl_tlsrpt_failed_sessions_total{domain=\"\(PrometheusText.label(p.domain))\",policy_type=\"\(PrometheusText.label(p.policyType))\","
                    + "\(labels)} \(sessions)\n"
            }
        }
        out += """
            # HELP danectl_tlsrpt_reports Reports stored, by domain and policy type.
            # TYPE danectl_tlsrpt_reports gauge

            """
        for p in summary.policies {
            out +=
                "danectl_tlsrpt_reports{domain=\"\(PrometheusText.label(p.domain))\",policy_type=\"\(PrometheusText.label(p.policyType))\"} \(p.reports)\n"
        }
        out += """
            # HELP danectl_tlsrpt_rejected_inputs Inputs kept aside because they were not readable reports.
            # TYPE danectl_tlsrpt_rejected_inputs gauge
            danectl_tlsrpt_rejected_inputs \(summary.rejectedInputs)

            """
        return out
    }
}
