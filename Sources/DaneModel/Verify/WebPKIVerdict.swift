/// Whether a served chain is valid under WebPKI for the MX host name, and if not, the
/// RFC 8460 result type an MTA-STS sender would report.
public struct WebPKIVerdict: Sendable, Codable, Hashable {
    public let valid: Bool
    public let problem: String?
    public let resultType: TLSRPTResultType?

    public init(valid: Bool, problem: String?, resultType: TLSRPTResultType?) {
        self.valid = valid
        self.problem = problem
        self.resultType = resultType
    }
}
