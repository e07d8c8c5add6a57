import DaneModel
import Foundation

/// `verify --format prometheus`: node_exporter's textfile-collector format. Names follow
/// Prometheus conventions (a `danectl_verify_` prefix, base units: seconds, and times as Unix
/// timestamps, so "days until expiry" is `(metric - time()) / 86400` in a query or alert).
public enum VerifyPrometheus {
    public static func render(_ reports: [DomainReport], now: Date) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: [(String, String)], value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples {
                let labels = sample.labels.map { "\($0.0)=\"\(PrometheusText.label($0.1))\"" }.joined(separator: ",")
                out += "\(name){\(labels)} \(sample.value)\n"
            }
        }
        family("danectl_verify_domain_pass", "gauge", "1 when every MX host of the domain authenticates by DANE, else 0.",
               reports.map { ([("domain", $0.domain)], $0.outcome == .pass ? "1" : "0") })
        family("danectl_verify_domain_outcome", "gauge", "The domain's outcome as a label (pass, dane-failure, dns-problem, not-protected); always 1.",
               reports.map { ([("domain", $0.domain), ("outcome", $0.outcome.rawValue)], "1") })
        family("danectl_verify_domain_null_mx", "gauge", "1 when the domain publishes a null MX (RFC 7505: it accepts no mail), else 0.",
               reports.map { ([("domain", $0.domain)], $0.nullMX ? "1" : "0") })
        var addresses: [(DomainReport, HostReport, AddressReport)] = []
        for report in reports { for host in report.hosts { for address in host.addresses { addresses.append((report, host, address)) } } }
        func labels(_ d: DomainReport, _ h: HostReport, _ a: AddressReport) -> [(String, String)] {
            [("domain", d.domain), ("host", h.host), ("address", a.address)]
        }
        family("danectl_verify_address_pass", "gauge", "1 when the address authenticates by DANE, else 0.",
               addresses.map { (labels($0.0, $0.1, $0.2), $0.2.verdict == .pass ? "1" : "0") })
        family("danectl_verify_address_result", "gauge", "The address's verdict and sender code as labels; always 1.",
               addresses.map { (labels($0.0, $0.1, $0.2) + [("verdict", $0.2.verdict.rawValue), ("code", $0.2.failure?.exchangeCode ?? "")], "1") })
        family("danectl_verify_probe_duration_seconds", "gauge", "How long the SMTP, STARTTLS and TLS probe of the address took.",
               addresses.compactMap { d, h, a in a.probeSeconds.map { (labels(d, h, a), String(format: "%.3f", $0)) } })
        family("danectl_verify_certificate_expiry_timestamp_seconds", "gauge", "When the certificate the address presents expires (Unix time).",
               addresses.compactMap { d, h, a in a.certificates.first?.notAfter.map { (labels(d, h, a), String(Int($0.timeIntervalSince1970))) } })
        family("danectl_verify_signature_expiry_timestamp_seconds", "gauge",
               "When the first DNSSEC signature the domain's answers depend on expires (Unix time).",
               reports.compactMap { r in r.earliestSignatureExpiry.map { ([("domain", r.domain)], String(Int($0.timeIntervalSince1970))) } })
        family("danectl_verify_last_run_timestamp_seconds", "gauge", "When this verify run finished (Unix time).",
               [([], String(Int(now.timeIntervalSince1970)))])
        return out.replacingOccurrences(of: "{} ", with: " ")
    }
}
