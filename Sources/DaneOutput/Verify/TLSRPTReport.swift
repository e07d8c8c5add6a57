import DaneModel
import Foundation

/// `verify --format tlsrpt`: the results as an RFC 8460 §4 aggregate report, as a sending MTA
/// would send it to the domain's rua address (one probe counts as one session). Built from
/// Codable types whose keys are RFC 8460's own; the report format is the RFC's, so it carries
/// no schema_version.
public enum TLSRPTReport {
    struct Report: Encodable {
        let organizationName: String
        let dateRange: DateRange
        let contactInfo: String
        let reportID: String
        let policies: [Policy]
        enum CodingKeys: String, CodingKey {
            case organizationName = "organization-name", dateRange = "date-range", contactInfo = "contact-info"
            case reportID = "report-id", policies
        }
    }

    struct DateRange: Encodable {
        let start: Date, end: Date
        enum CodingKeys: String, CodingKey { case start = "start-datetime", end = "end-datetime" }
    }

    struct Policy: Encodable {
        let policy: PolicyDescription
        let summary: Summary
        let failureDetails: [FailureDetail]
        enum CodingKeys: String, CodingKey { case policy, summary, failureDetails = "failure-details" }
    }

    struct PolicyDescription: Encodable {
        let policyType: String, policyString: [String], policyDomain: String, mxHost: [String]
        enum CodingKeys: String, CodingKey {
            case policyType = "policy-type", policyString = "policy-string", policyDomain = "policy-domain", mxHost = "mx-host"
        }
    }

    struct Summary: Encodable {
        let successful: Int, failed: Int
        enum CodingKeys: String, CodingKey { case successful = "total-successful-session-count", failed = "total-failure-session-count" }
    }

    struct FailureDetail: Encodable {
        let resultType: String
        let receivingMXHostname: String?
        let receivingIP: String?
        let failedSessionCount: Int
        let additionalInformation: String?
        enum CodingKeys: String, CodingKey {
            case resultType = "result-type", receivingMXHostname = "receiving-mx-hostname", receivingIP = "receiving-ip"
            case failedSessionCount = "failed-session-count", additionalInformation = "additional-information"
        }
    }

    /// `organization` and `contact` fill RFC 8460's organization-name and contact-info; the
    /// report-id is unique per report (time and a random part).
    public static func render(_ reports: [DomainReport], now: Date, organization: String = "danectl",
                              contact: String = "danectl verify") -> String {
        let policies = reports.map { report -> Policy in
            let dane = report.hosts.contains(where: \.daneInForce)
            let addresses = report.hosts.flatMap { host in host.addresses.map { (host, $0) } }
            let failures = addresses.filter { $0.1.verdict == .fail }
            var details = failures.map { host, address in
                FailureDetail(resultType: address.failure?.resultType ?? "validation-failure", receivingMXHostname: String(host.host.dropLast()),
                              receivingIP: address.address, failedSessionCount: 1, additionalInformation: address.detail)
            }
            for host in report.hosts {
                guard let failure = host.failure else { continue }
                details.append(FailureDetail(resultType: failure.resultType, receivingMXHostname: String(host.host.dropLast()), receivingIP: nil,
                                             failedSessionCount: 1, additionalInformation: host.detail ?? ""))
            }
            if let failure = report.failure {
                details.append(FailureDetail(resultType: failure.resultType, receivingMXHostname: nil, receivingIP: nil,
                                             failedSessionCount: 1, additionalInformation: report.detail ?? ""))
            }
            return Policy(policy: PolicyDescription(policyType: dane ? "tlsa" : "no-policy-found",
                                                    policyString: report.hosts.flatMap { $0.tlsa.map(\.rdata) },
                                                    policyDomain: String(report.domain.dropLast()),
                                                    mxHost: report.hosts.map { String($0.host.dropLast()) }),
                          summary: Summary(successful: addresses.count - failures.count, failed: details.reduce(0) { $0 + $1.failedSessionCount }),
                          failureDetails: details)
        }
        let reportID = "danectl-\(Int(now.timeIntervalSince1970))-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return JSONDocument.encode(Report(organizationName: organization, dateRange: DateRange(start: now, end: now), contactInfo: contact,
                                          reportID: reportID, policies: policies))
    }
}
