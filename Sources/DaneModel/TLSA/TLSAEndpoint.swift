/// Where senders look for an MX host's TLSA records (RFC 7672 §2.2): the host and port they
/// connect to, and the TLSA base domain, which is the host itself or, when its address
/// records come through a DNSSEC-secure CNAME chain, the chain's target (RFC 7672 §2.2.2,
/// tried first, with the original name as the fallback). The one place `_25._tcp.` is built.
public struct TLSAEndpoint: Sendable, Hashable, CustomStringConvertible {
    public let host: DNSName
    public let port: UInt16
    public let base: DNSName

    public init(host: DNSName, port: UInt16 = 25, base: DNSName? = nil) {
        self.host = host
        self.port = port
        self.base = base ?? host
    }

    /// `_<port>._tcp.<base>` (RFC 6698 §3).
    public var owner: DNSName { base.prepending("_tcp").prepending("_\(port)") }

    /// The owners to query, in order: the expanded base, then the host's own name.
    public var candidateOwners: [DNSName] {
        base == host ? [owner] : [owner, TLSAEndpoint(host: host, port: port).owner]
    }

    /// The same host and port with the TLSA base moved to a CNAME target.
    public func with(base: DNSName) -> TLSAEndpoint { TLSAEndpoint(host: host, port: port, base: base) }

    public var description: String { port == 25 ? host.fqdn : "\(host.fqdn) port \(port)" }
}
