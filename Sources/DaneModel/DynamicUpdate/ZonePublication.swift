/// What `publish` did (or, with --dry-run, would do) to one zone on the primary.
public struct ZonePublication: Sendable, Equatable {
    public enum State: String, Sendable {
        /// The served RRsets already match the description.
        case unchanged
        /// --dry-run: these changes would be sent.
        case planned
        /// The server applied the UPDATE (and, for a zone it signs, serves it signed).
        case applied
        /// The server did not apply it; `message` says why. Nothing of this zone changed.
        case failed
        /// An earlier zone failed, so this one was not sent.
        case notAttempted = "not-attempted"
    }

    public let zone: DNSName
    public var state: State
    public let changes: [RRsetChange]
    public let serialBefore: UInt32?
    public var serialAfter: UInt32?
    /// The server signs this zone itself (it serves a DNSKEY at the apex).
    public let signedByServer: Bool
    public var message: String?

    public init(
        zone: DNSName, state: State, changes: [RRsetChange], serialBefore: UInt32?, serialAfter: UInt32? = nil,
        signedByServer: Bool, message: String? = nil
    ) {
        self.zone = zone
        self.state = state
        self.changes = changes
        self.serialBefore = serialBefore
        self.serialAfter = serialAfter
        self.signedByServer = signedByServer
        self.message = message
    }
}
