import DaneModel
import Foundation

/// `verify --format json`: the reports as data. Schema (stable; keys sorted):
///
///     {"domains": [{"domain", "outcome": pass|dane-failure|dns-problem|not-protected, "profile",
///       "mx_status": secure|insecure|bogus|failed, "implicit_mx", "failure"?: {code, result_type, title},
///       "detail"?, "warnings": [...], "hosts": [{"host", "preference", "address_status", "tlsa_base"?,
///       "tlsa_status"?, "tlsa": [{"owner", "rdata", "usable", "reason"?}], "failure"?, "detail"?,
///       "addresses": [{"address", "verdict": pass|unauthenticated|fail, "failure"?, "detail", "remedy"?,
///       "tls"?, "matched"?, "certificates": [{"subject", "issuer", "spki_sha256", "not_before", "not_after"}],
///       "warnings"}]}]}], "exit_status": N}
public enum VerifyJSON {
    public static func render(_ reports: [DomainReport], exitStatus: Int32) -> String {
        let document: [String: Any] = ["domains": reports.map(domain), "exit_status": Int(exitStatus)]
        let data = try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func failure(_ failure: SenderFailure?) -> Any? {
        failure.map { ["code": $0.exchangeCode, "result_type": $0.resultType, "title": $0.title] }
    }

    static func domain(_ report: DomainReport) -> [String: Any] {
        var out: [String: Any] = [
            "domain": report.domain, "outcome": report.outcome.rawValue, "profile": report.profile.rawValue,
            "mx_status": report.mxStatus.rawValue, "implicit_mx": report.implicitMX, "warnings": report.warnings,
            "hosts": report.hosts.map(host),
        ]
        out["failure"] = failure(report.failure)
        out["detail"] = report.detail
        return out
    }

    static func host(_ host: HostReport) -> [String: Any] {
        var out: [String: Any] = [
            "host": host.host, "preference": host.preference, "address_status": host.addressStatus.rawValue,
            "tlsa": host.tlsa.map { record -> [String: Any] in
                var r: [String: Any] = ["owner": record.owner, "rdata": record.rdata, "usable": record.usable]
                r["reason"] = record.reason
                return r
            },
            "addresses": host.addresses.map(address),
        ]
        out["tlsa_base"] = host.tlsaBase
        out["tlsa_status"] = host.tlsaStatus?.rawValue
        out["failure"] = failure(host.failure)
        out["detail"] = host.detail
        return out
    }

    static func address(_ address: AddressReport) -> [String: Any] {
        let iso = ISO8601DateFormatter()
        var out: [String: Any] = [
            "address": address.address, "verdict": address.verdict.rawValue, "detail": address.detail, "warnings": address.warnings,
            "certificates": address.certificates.map { c -> [String: Any] in
                var d: [String: Any] = ["subject": c.subject, "issuer": c.issuer, "spki_sha256": c.spkiSHA256]
                d["not_before"] = c.notBefore.map(iso.string(from:))
                d["not_after"] = c.notAfter.map(iso.string(from:))
                return d
            },
        ]
        out["failure"] = failure(address.failure)
        out["remedy"] = address.remedy
        out["tls"] = address.tls
        out["matched"] = address.matched
        return out
    }
}
