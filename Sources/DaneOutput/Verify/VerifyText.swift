import DaneModel
import FoundationEssentials

/// The human report of `verify`: one block per domain, readable at a glance, with the sender's
/// code, why, how to fix it and what the sender does next for every failure.
public struct VerifyText {
    public let colour: Bool

    public init(colour: Bool) { self.colour = colour }

    public func render(_ reports: [DomainReport]) -> String {
        reports.map(render).joined(separator: "\n")
    }

    func render(_ report: DomainReport) -> String {
        let dnsOnly = report.hosts.contains { $0.addresses.contains { $0.verdict == .notChecked } }
        let header =
            "\(TerminalText.visible(report.domain))  \(badge(report.outcome))  \(summary(report.outcome))"
            + (dnsOnly ? " (DNS only: no server certificate was checked)" : "")
            + " [profile \(report.profile.rawValue)]\n"
        return header + body(report)
    }

    func body(_ report: DomainReport) -> String {
        var out = ""
        out +=
            "  MX lookup: \(report.mxStatus.rawValue)\(report.implicitMX ? " (no MX records: the domain itself is the mail host)" : "")\n"
        if let failure = report.failure {
            out += failureLines(
                failure, report.detail, report.remedy, report.senderNextStep, indent: "  ", broken: report.chainBreak,
                nameServers: report.nameServers.map(\.message))
        } else if let detail = report.detail {
            out += "  \(v(detail))\n"
        }
        for host in report.hosts {
            out += "  \(v(host.host)) (preference \(host.preference)): addresses \(host.addressStatus.rawValue)"
            if let owner = host.tlsaOwner, let status = host.tlsaStatus {
                out +=
                    "; TLSA at \(v(owner)) \(status.rawValue)\(host.tlsa.isEmpty && status == .secure ? " (none published)" : "")"
            }
            out += "\n"
            for record in host.tlsa {
                out += "    TLSA \(v(record.data.presentation, 90))  "
                out += record.usable ? "usable\n" : "UNUSABLE: \(v(record.reason))\n"
            }
            if let failure = host.failure {
                out += failureLines(
                    failure, host.detail, host.remedy, report.senderNext(afterHost: host), indent: "    ",
                    broken: host.chainBreak,
                    nameServers: host.nameServers.map(\.message))
            }
            for address in host.addresses {
                out += "    \(address.address)  \(badge(address.verdict))  "
                switch address.verdict {
                case .pass:
                    out +=
                        "\(v(address.detail))\(address.matched.map { " by \(v(Self.short($0)))" } ?? "")\(address.tls.map { ", \(v($0))" } ?? "")\n"
                case .unauthenticated: out += "\(v(address.detail))\n"
                case .fail: out += "\(address.failure.map { "\($0.exchangeCode) \($0.title)" } ?? "failed")\n"
                case .notChecked: out += "\(v(address.detail))\n"
                }
                for certificate in address.certificates.prefix(3) {
                    out +=
                        "      certificate: \(v(certificate.subject)); issuer \(v(certificate.issuer)); SPKI SHA-256 \(certificate.spkiSHA256.prefix(16))...; "
                    out += "valid \(Self.day(certificate.notBefore)) to \(Self.day(certificate.notAfter))\n"
                }
                if address.verdict == .fail {
                    out += failureLines(
                        address.failure, address.detail, address.remedy,
                        address.failure.map { report.senderNext(after: $0, host: host.host, address: address.address) },
                        indent: "      ", header: false)
                } else if let remedy = address.remedy, address.verdict == .unauthenticated {
                    out += "      fix: \(v(remedy))\n"
                }
                for warning in address.warnings { out += "      \(paint("warning:", "33")) \(v(warning.message))\n" }
            }
        }
        if let sts = report.mtaSTS { out += mtaSTSLines(sts, failing: report.mtaSTSFails) }
        for warning in report.warnings { out += "  \(paint("warning:", "33")) \(v(warning.message))\n" }
        for finding in report.drift ?? [] { out += "  \(paint("drift:", "33")) \(v(finding.description))\n" }
        return out
    }

    func mtaSTSLines(_ sts: MTASTSReport, failing: Bool) -> String {
        let state = sts.problems.isEmpty ? paint("OK", "32") : failing ? paint("FAIL", "31") : paint("PROBLEMS", "33")
        var out =
            "  MTA-STS \(state): \(sts.mode.map { "mode \($0.rawValue)" } ?? "no usable policy"), id \(v(sts.id ?? "?"))"
        out += sts.maxAge.map { ", max_age \($0)" } ?? ""
        out += sts.mx.isEmpty ? "" : ", mx \(v(sts.mx.joined(separator: " ")))"
        out += " (\(v(sts.policyURL)))\n"
        for problem in sts.problems {
            out +=
                "    \(paint(failing ? "FAIL" : "problem", failing ? "31" : "33")) \(problem.resultType.rawValue)\(problem.resultType.senderFailure.map { " (\($0.exchangeCode))" } ?? "")\n"
            out += "      why: \(v(problem.detail))\n      fix: \(v(problem.fix))\n"
        }
        if !sts.problems.isEmpty && !failing {
            out +=
                "      sender: mode \(sts.mode?.rawValue ?? "?") only reports these (TLS-RPT); mail is still delivered\n"
        }
        for warning in sts.warnings { out += "    \(paint("warning:", "33")) \(v(warning.message))\n" }
        return out
    }

    func failureLines(
        _ failure: SenderFailure?, _ detail: String?, _ remedy: String?, _ next: String?,
        indent: String, header: Bool = true, broken: ChainBreak? = nil, nameServers: [String] = []
    ) -> String {
        var out = ""
        if header, let failure { out += "\(indent)\(paint("FAIL", "31")) \(failure.exchangeCode) \(failure.title)\n" }
        if let detail { out += "\(indent)why: \(v(detail))\n" }
        if let broken { out += "\(indent)broken link: \(v(broken.description))\n" }
        for finding in nameServers { out += "\(indent)name server: \(v(finding))\n" }
        if let failure { out += "\(indent)TLS-RPT result type: \(failure.resultType)\n" }
        if let remedy { out += "\(indent)fix: \(v(remedy))\n" }
        if let next { out += "\(indent)sender: \(v(next))\n" }
        return out
    }

    func badge(_ outcome: DomainReport.Outcome) -> String {
        switch outcome {
        case .pass: paint("PASS", "32")
        case .warning: paint("WARNING", "33")
        case .nullMX: paint("NULL MX", "36")
        case .mtaSTSFailure, .daneFailure, .dnsProblem: paint("FAIL", "31")
        case .notProtected: paint("NOT PROTECTED", "33")
        }
    }

    func badge(_ verdict: AddressReport.Verdict) -> String {
        switch verdict {
        case .pass: paint("PASS", "32")
        case .unauthenticated: paint("NO DANE", "33")
        case .fail: paint("FAIL", "31")
        case .notChecked: paint("DNS ONLY", "36")
        }
    }

    func summary(_ outcome: DomainReport.Outcome) -> String {
        switch outcome {
        case .pass: "every MX host authenticates by DANE"
        case .warning: "every MX host authenticates by DANE, but something needs attention (below)"
        case .nullMX: "the domain takes no mail (null MX, RFC 7505): nothing to protect"
        case .mtaSTSFailure: "MTA-STS fails: senders that enforce the policy will not deliver"
        case .daneFailure: "DANE fails: DANE senders will defer or bounce mail to the failing hosts"
        case .dnsProblem: "DNS/DNSSEC problem: DANE senders cannot look the domain up safely"
        case .notProtected: "mail flows, but DANE is not in force"
        }
    }

    /// Text that may quote DNS data or a server's words, made safe for the terminal (and cut).
    func v(_ text: String?, _ limit: Int = 1000) -> String { TerminalText.visible(text ?? "", limit: limit) }

    func paint(_ text: String, _ code: String) -> String { colour ? "\u{1B}[1;\(code)m\(text)\u{1B}[0m" : text }

    static func short(_ record: String) -> String {
        let parts = record.split(separator: " ")
        guard parts.count == 4 else { return record }
        return "\(parts[0]) \(parts[1]) \(parts[2]) \(parts[3].prefix(16))..."
    }

    static func day(_ date: Date?) -> String {
        date.map(RFC3339.day) ?? "?"
    }
}
