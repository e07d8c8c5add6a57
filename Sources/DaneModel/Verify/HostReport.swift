/// One MX host: its lookups and the verdict for each of its addresses.
public struct HostReport: Sendable, Equatable {
    public let host: String
    public let preference: Int
    public let addressStatus: DNSSECStatus
    /// The name TLSA was looked up under (`_25._tcp.<base>`): the CNAME-expanded name when
    /// the whole chain is secure, else the MX host name (RFC 7672 §2.2.2).
    public let tlsaBase: String?
    /// Where the TLSA records were looked up: `_<port>._tcp.<base>` (from `TLSAEndpoint`).
    public let tlsaOwner: String?
    public let tlsaStatus: DNSSECStatus?
    public let tlsa: [LiveTLSARecord]
    public let addresses: [AddressReport]
    /// Set when the host fails before any address is tried (DNS problems).
    public let failure: SenderFailure?
    public let detail: String?
    /// With a bogus answer: the first broken link of its chain of trust, when it was found.
    public var chainBreak: ChainBreak?
    /// With a failed or unexplained bogus lookup: what asking each authoritative server showed.
    public var nameServers: [VerifyFinding] = []
    /// The host has no address at all (NODATA): a fact with its own fix.
    public var absence: NameAbsence?

    public init(
        host: String, preference: Int, addressStatus: DNSSECStatus, tlsaBase: String?, tlsaOwner: String? = nil,
        tlsaStatus: DNSSECStatus?,
        tlsa: [LiveTLSARecord], addresses: [AddressReport], failure: SenderFailure?, detail: String?
    ) {
        self.host = host
        self.preference = preference
        self.addressStatus = addressStatus
        self.tlsaBase = tlsaBase
        self.tlsaOwner = tlsaOwner
        self.tlsaStatus = tlsaStatus
        self.tlsa = tlsa
        self.addresses = addresses
        self.failure = failure
        self.detail = detail
    }

    /// Whether DANE is in force for this host: senders will insist on a TLSA match.
    public var daneInForce: Bool { tlsaStatus == .secure && tlsa.contains(where: \.usable) }
}
