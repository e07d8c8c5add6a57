/// What a domain's MTA-STS looks like to a sender: record, policy, and each problem with the
/// RFC 8460 result type a sender reports and how to fix it.
public struct MTASTSReport: Sendable {
    public struct Problem: Sendable, Codable, Hashable {
        public let resultType: TLSRPTResultType
        public let detail: String
        public let fix: String

        public init(resultType: TLSRPTResultType, detail: String, fix: String) {
            self.resultType = resultType
            self.detail = detail
            self.fix = fix
        }
    }

    /// The `_mta-sts` TXT text as served, and its id when it parses.
    public let record: String
    public let id: String?
    public let policyURL: String
    /// The policy as fetched, and as read (nil when it could not be fetched or read).
    public let policyText: String?
    public let mode: MTASTSPolicy.Mode?
    public let maxAge: UInt32?
    public let mx: [String]
    public let problems: [Problem]
    public let warnings: [VerifyFinding]

    public init(
        record: String, id: String?, policyURL: String, policyText: String?, policy: MTASTSPolicy?, problems: [Problem],
        warnings: [VerifyFinding]
    ) {
        self.record = record
        self.id = id
        self.policyURL = policyURL
        self.policyText = policyText
        self.mode = policy?.mode
        self.maxAge = policy?.maxAge
        self.mx = policy?.mx ?? []
        self.problems = problems
        self.warnings = warnings
    }
}

extension MTASTSPolicy.Mode: Codable {}
