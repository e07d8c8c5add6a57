import DaneModel
import FoundationEssentials
import LDNSKit

/// The zone's primary as `publish` uses it: asked directly (no recursion, no cache) for what
/// it serves, and sent UPDATEs. A protocol so the planner can be tested on scripted answers.
public protocol PrimaryServer: Sendable {
    var address: String { get }
    func query(_ name: DNSName, _ type: RRType) throws(ResolverError) -> DNSResponse
    func send(_ message: UpdateMessage, key: TSIGKey) throws(ResolverError) -> UpdateAnswer
}

/// The real one, over ldns: queries by UDP (TCP when truncated) with DNSSEC OK, so a zone the
/// server signs shows its RRSIGs; UPDATEs over TCP.
public struct LivePrimary: PrimaryServer {
    public let address: String
    private let resolver: StubResolver
    private let sender: UpdateSender

    public init(address: String, timeout: TimeInterval) throws(ResolverError) {
        self.address = address
        resolver = try StubResolver(address: address, timeout: timeout, recursive: false)
        sender = UpdateSender(server: address, timeout: timeout)
    }

    public func query(_ name: DNSName, _ type: RRType) throws(ResolverError) -> DNSResponse {
        try resolver.query(name, type)
    }

    public func send(_ message: UpdateMessage, key: TSIGKey) throws(ResolverError) -> UpdateAnswer {
        try sender.send(message, key: key)
    }
}
