/// One TLSA record as found live, with RFC 7672's verdict on it.
public struct LiveTLSARecord: Sendable, Hashable {
    public let owner: String
    /// `.tlsa`, or `.malformed` for RDATA that does not decode as TLSA.
    public let data: RecordData
    public let usable: Bool
    public let reason: String?

    public init(owner: String, data: RecordData, usable: Bool, reason: String?) {
        self.owner = owner
        self.data = data
        self.usable = usable
        self.reason = reason
    }
}
