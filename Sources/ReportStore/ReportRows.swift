import DaneModel
import FoundationEssentials

/// What one report adds to the store, computed once for every backend: its policy and
/// failure rows and its increments to the per-day rollups `summary` reads. The rules live
/// here (a report counts once per domain and policy type; domains compare without case and
/// trailing dot; the day is the UTC day the report's period starts).
struct ReportRows {
    struct Policy {
        let position: Int
        let type: String, domain: String, policyString: String, mxHost: String
        let successful: Int, failed: Int
    }
    struct Failure {
        let position: Int
        let resultType: String
        let sendingIP: String?, mxHostname: String?, mxHelo: String?, receivingIP: String?
        let sessions: Int
        let information: String?, reasonCode: String?
    }

    let policies: [Policy]
    let failures: [Failure]
    let rollups: Rollups

    init(_ report: AggregateReport) {
        let day = Int((report.dateRange.start.timeIntervalSince1970 / 86_400).rounded(.down))
        let start = report.dateRange.start.timeIntervalSince1970, end = report.dateRange.end.timeIntervalSince1970
        let organization = report.organizationName
        var policies: [Policy] = [], failures: [Failure] = []
        var rollups = Rollups()
        var counted = Set<String>()
        let filed = report.filedUnder
        for (position, result) in report.policies.enumerated() {
            let policy = result.policy
            let domain = ReportStore.domainKey(filed[position])
            policies.append(
                Policy(
                    position: position, type: policy.policyType, domain: domain,
                    policyString: policy.policyString.joined(separator: "\n"),
                    mxHost: policy.mxHost.joined(separator: "\n"),
                    successful: result.summary.successful, failed: result.summary.failed))
            let firstHere = counted.insert(domain + "\u{0}" + policy.policyType).inserted
            rollups.add(
                Rollups.PolicyKey(day: day, domain: domain, type: policy.policyType, organization: organization),
                Rollups.PolicyCounts(
                    successful: result.summary.successful, failed: result.summary.failed,
                    reports: firstHere ? 1 : 0, firstAt: start, lastAt: end))
            for detail in result.failureDetails {
                let mx = detail.receivingMXHostname.map(ReportStore.domainKey)
                failures.append(
                    Failure(
                        position: position, resultType: detail.resultType, sendingIP: detail.sendingMTAIP,
                        mxHostname: mx,
                        mxHelo: detail.receivingMXHelo, receivingIP: detail.receivingIP,
                        sessions: detail.failedSessionCount,
                        information: detail.additionalInformation, reasonCode: detail.failureReasonCode))
                rollups.add(
                    Rollups.FailureKey(
                        day: day, domain: domain, type: policy.policyType, organization: organization, mx: mx ?? "",
                        ip: detail.receivingIP ?? "", resultType: detail.resultType,
                        reasonCode: detail.failureReasonCode ?? ""),
                    Rollups.FailureCounts(
                        sessions: detail.failedSessionCount, information: detail.additionalInformation, lastAt: end))
            }
        }
        self.policies = policies
        self.failures = failures
        self.rollups = rollups
    }

    /// Whether a report arriving under an identity already stored is the same report again
    /// (a duplicate) or another one (kept aside with this reason, the stored one untouched).
    /// The same bytes are the same report (a sender's retry, a mail delivered twice) without
    /// parsing the stored copy again; other bytes are compared as values.
    static func verdict(
        arriving report: AggregateReport, json: Data, storedJSON: Data?, storedSource: String?
    ) -> ReportStore.Stored {
        if let storedJSON, storedJSON == json { return .duplicate }
        if let storedJSON, let stored = try? AggregateReport.decode(json: storedJSON), stored == report {
            return .duplicate
        }
        return .conflict(
            reason:
                "report \(report.reportID) from \(report.organizationName) for the same period is already stored (from "
                + "\(storedSource ?? "an earlier input")) with other content: kept aside for review, the stored one untouched"
        )
    }
}

/// Increments to the per-day rollups, merged per key: a batch of reports writes each rollup
/// row once, in key order (so concurrent writers take their locks in the same order).
struct Rollups {
    struct PolicyKey: Hashable, Comparable {
        let day: Int, domain: String, type: String, organization: String
        static func < (a: Self, b: Self) -> Bool {
            (a.day, a.domain, a.type, a.organization) < (b.day, b.domain, b.type, b.organization)
        }
    }
    struct PolicyCounts {
        var successful: Int, failed: Int, reports: Int, firstAt: Double, lastAt: Double
        mutating func merge(_ other: Self) {
            successful += other.successful; failed += other.failed; reports += other.reports
            firstAt = min(firstAt, other.firstAt); lastAt = max(lastAt, other.lastAt)
        }
    }
    struct FailureKey: Hashable, Comparable {
        let day: Int, domain: String, type: String, organization: String, mx: String, ip: String, resultType: String,
            reasonCode: String
        static func < (a: Self, b: Self) -> Bool {
            let (left, right) = ((a.day, a.domain, a.type, a.organization), (b.day, b.domain, b.type, b.organization))
            return left != right
                ? left < right : (a.mx, a.ip, a.resultType, a.reasonCode) < (b.mx, b.ip, b.resultType, b.reasonCode)
        }
    }
    struct FailureCounts {
        var sessions: Int, information: String?, lastAt: Double
        mutating func merge(_ other: Self) {
            sessions += other.sessions
            information = [information, other.information].compactMap { $0 }.max()
            lastAt = max(lastAt, other.lastAt)
        }
    }

    private(set) var policies: [PolicyKey: PolicyCounts] = [:]
    private(set) var failures: [FailureKey: FailureCounts] = [:]

    mutating func add(_ key: PolicyKey, _ counts: PolicyCounts) {
        if policies[key] != nil { policies[key]!.merge(counts) } else { policies[key] = counts }
    }
    mutating func add(_ key: FailureKey, _ counts: FailureCounts) {
        if failures[key] != nil { failures[key]!.merge(counts) } else { failures[key] = counts }
    }
    mutating func merge(_ other: Rollups) {
        for (key, counts) in other.policies { add(key, counts) }
        for (key, counts) in other.failures { add(key, counts) }
    }
}
