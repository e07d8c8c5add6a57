import DaneModel
import FoundationEssentials

/// `verify --format tlsrpt`: the results as an RFC 8460 §4 aggregate report, as a sending MTA
/// would send it to the domain's rua address (one probe counts as one session). Built from
/// Codable types whose keys are RFC 8460's own; the report format is the RFC's, so it carries
/// no schema_version.
public enum TLSRPTReport {
    /// `started`/`now` bound the report's date-range (the run); `organization` and `contact`
    /// fill organization-name and contact-info; the report-id is unique per report. Each probe
    /// counts as one session; every failure carries the RFC 8460 §4.3 fields verify knows:
    /// result-type, sending-mta-ip (this machine's address for the probe), receiving-mx-hostname,
    /// receiving-ip, failure-reason-code (the TLS library's words) and additional-information.
    public static func render(
        _ reports: [DomainReport], started: Date? = nil, now: Date, organization: String = "danectl",
        contact: String = "danectl verify"
    ) -> String {
        let policies = reports.map { report -> AggregateReport.PolicyResult in
            let dane = report.hosts.contains(where: \.daneInForce)
            let addresses = report.hosts.flatMap { host in host.addresses.map { (host, $0) } }
            let failures = addresses.filter { $0.1.verdict == .fail }
            var details = failures.map { host, address in
                AggregateReport.FailureDetail(
                    resultType: address.failure?.resultType ?? "validation-failure", sendingMTAIP: address.sendingIP,
                    receivingMXHostname: String(host.host.dropLast()), receivingIP: address.address,
                    failedSessionCount: 1, additionalInformation: address.detail, failureReasonCode: address.reasonCode)
            }
            for host in report.hosts {
                guard let failure = host.failure else { continue }
                details.append(
                    .init(
                        resultType: failure.resultType, receivingMXHostname: String(host.host.dropLast()),
                        failedSessionCount: 1,
                        additionalInformation: host.chainBreak?.description ?? host.detail ?? ""))
            }
            if let failure = report.failure {
                details.append(
                    .init(
                        resultType: failure.resultType, failedSessionCount: 1,
                        additionalInformation: report.chainBreak?.description ?? report.detail ?? ""))
            }
            return .init(
                policy: .init(
                    policyType: dane ? "tlsa" : "no-policy-found",
                    policyString: report.hosts.flatMap { $0.tlsa.map(\.data.presentation) },
                    policyDomain: String(report.domain.dropLast()),
                    mxHost: report.hosts.map { String($0.host.dropLast()) }),
                summary: .init(
                    successful: addresses.count - failures.count,
                    failed: details.reduce(0) { $0 + $1.failedSessionCount }),
                failureDetails: details)
        }
        let reportID =
            "danectl-\(Int(now.timeIntervalSince1970))-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let report = AggregateReport(
            organizationName: organization, dateRange: .init(start: started ?? now, end: now), contactInfo: contact,
            reportID: reportID, policies: policies)
        return String(decoding: report.encoded(), as: UTF8.self) + "\n"
    }
}
