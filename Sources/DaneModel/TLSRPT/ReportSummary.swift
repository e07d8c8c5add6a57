import FoundationEssentials

/// What stored TLS-RPT reports say about a domain over a period: sessions per policy type,
/// and failed sessions grouped by MX host and result type, with their busiest receiving addresses.
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

    /// How many of a group's failed sessions one receiving address had.
    public struct AddressSessions: Sendable, Equatable {
        public let ip: String
        public let sessions: Int

        public init(ip: String, sessions: Int) {
            self.ip = ip
            self.sessions = sessions
        }
    }

    /// At most this many receiving addresses are listed per failure group (busiest first);
    /// the rest are counted. A summary stays the same size however many addresses senders name.
    public static let addressesListed = 5

    /// Failed sessions with one result type at one MX host, over every receiving address.
    public struct FailureGroup: Sendable, Equatable {
        public var mxHost: String?
        /// The busiest receiving addresses, at most `addressesListed`.
        public var receivingIPs: [AddressSessions]
        /// Distinct receiving addresses the senders named for this group, listed or not.
        public var receivingIPCount: Int
        /// As the sender gave it; `knownType` when it is one of RFC 8460's.
        public var resultType: String
        public var failureReasonCode: String?
        public var sessions: Int
        public var organizations: [String]
        public var additionalInformation: String?

        public var knownType: TLSRPTResultType? { TLSRPTResultType(rawValue: resultType) }
        /// The receiving address, when the group has exactly one.
        public var receivingIP: String? { receivingIPCount == 1 ? receivingIPs.first?.ip : nil }

        public init(
            mxHost: String?, receivingIPs: [AddressSessions], receivingIPCount: Int, resultType: String,
            failureReasonCode: String?, sessions: Int, organizations: [String], additionalInformation: String?
        ) {
            self.mxHost = mxHost
            self.receivingIPs = receivingIPs
            self.receivingIPCount = receivingIPCount
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
