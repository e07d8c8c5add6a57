import DaneModel
import Foundation

/// `verify --format tlsrpt`: the results as an RFC 8460 §4 aggregate report, as a sending MTA
/// would send it to the domain's rua address (one probe counts as one session).
public enum TLSRPTReport {
    public static func render(_ reports: [DomainReport], now: Date) -> String {
        let iso = ISO8601DateFormatter()
        let policies: [[String: Any]] = reports.map { report in
            let dane = report.hosts.contains(where: \.daneInForce)
            let addresses = report.hosts.flatMap { host in host.addresses.map { (host, $0) } }
            let failures = addresses.filter { $0.1.verdict == .fail }
            var details: [[String: Any]] = failures.map { host, address in
                var d: [String: Any] = ["result-type": address.failure?.resultType ?? "validation-failure",
                                        "receiving-mx-hostname": String(host.host.dropLast()),
                                        "receiving-ip": address.address, "failed-session-count": 1]
                d["additional-information"] = address.detail
                return d
            }
            for host in report.hosts where host.failure != nil {
                details.append(["result-type": host.failure!.resultType, "receiving-mx-hostname": String(host.host.dropLast()),
                                "failed-session-count": 1, "additional-information": host.detail ?? ""])
            }
            if let failure = report.failure {
                details.append(["result-type": failure.resultType, "failed-session-count": 1, "additional-information": report.detail ?? ""])
            }
            return [
                "policy": [
                    "policy-type": dane ? "tlsa" : "no-policy-found",
                    "policy-string": report.hosts.flatMap { $0.tlsa.map(\.rdata) },
                    "policy-domain": String(report.domain.dropLast()),
                    "mx-host": report.hosts.map { String($0.host.dropLast()) },
                ] as [String: Any],
                "summary": [
                    "total-successful-session-count": addresses.count - failures.count,
                    "total-failure-session-count": details.reduce(0) { $0 + (($1["failed-session-count"] as? Int) ?? 0) },
                ],
                "failure-details": details,
            ]
        }
        let document: [String: Any] = [
            "organization-name": "danectl",
            "date-range": ["start-datetime": iso.string(from: now), "end-datetime": iso.string(from: now)],
            "contact-info": "danectl verify",
            "report-id": "danectl-\(Int(now.timeIntervalSince1970))",
            "policies": policies,
        ]
        let data = try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
