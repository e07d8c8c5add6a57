import Foundation

/// What stored TLS-RPT reports say about a domain over a period: sessions per policy type,
/// and failed sessions grouped by MX host, receiving address and result type.
public struct ReportSummary: Sendable, Equatable {
    public var since: Date?
    public var domain: String?
    public var policies: [PolicyTotals]
    /// Inputs kept aside as unreadable (all time).
    public var rejectedInputs: Int

    public init(since: Date?, domain: String?, policies: [PolicyTotals], rejectedInputs: Int) {
        self.since = since
        self.domain = domain
        self.policies = policies
        self.rejectedInputs = rejectedInputs
    }

    public struct PolicyTotals: Sendable, Equatable {
        public var domain: String
        /// `tlsa`, `sts` or `no-policy-found`.
        public var policyType: String
        public var successfulSessions: Int
        public var failedSessions: Int
        public var reports: Int
        public var organizations: [String]
        public var firstDate: Date
        public var lastDate: Date
        public var failures: [FailureGroup]

        public init(
            domain: String, policyType: String, successfulSessions: Int, failedSessions: Int, reports: Int,
            organizations: [String], firstDate: Date, lastDate: Date, failures: [FailureGroup]
        ) {
            self.domain = domain
            self.policyType = policyType
            self.successfulSessions = successfulSessions
            self.failedSessions = failedSessions
            self.reports = reports
            self.organizations = organizations
            self.firstDate = firstDate
            self.lastDate = lastDate
            self.failures = failures
        }
    }

    public struct FailureGroup: Sendable, Equatable {
        public var mxHost: String?
        public var receivingIP: String?
        /// As the sender gave it; `knownType` when it is one of RFC 8460's.
        public var resultType: String
        public var failureReasonCode: String?
        public var sessions: Int
        public var organizations: [String]
        public var additionalInformation: String?

        public var knownType: TLSRPTResultType? { TLSRPTResultType(rawValue: resultType) }

        public init(
            mxHost: String?, receivingIP: String?, resultType: String, failureReasonCode: String?, sessions: Int,
            organizations: [String], additionalInformation: String?
        ) {
            self.mxHost = mxHost
            self.receivingIP = receivingIP
            self.resultType = resultType
            self.failureReasonCode = failureReasonCode
            self.sessions = sessions
            self.organizations = organizations
            self.additionalInformation = additionalInformation
        }
    }

    /// True when any failed session was reported.
    public var hasFailures: Bool { policies.contains { $0.failedSessions > 0 || !$0.failures.isEmpty } }
}
