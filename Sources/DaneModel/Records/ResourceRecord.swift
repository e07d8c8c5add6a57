/// One record danectl means to publish (or has signed), as a value: owner, TTL, type and its
/// decoded RDATA — the same `RecordData` live answers decode to, so drift, publish, JSON and
/// octoDNS compare and render values, never re-parse text. The zone is the file it belongs in.
public struct ResourceRecord: Sendable, Hashable, Comparable {
    public let zone: DNSName
    public let owner: DNSName
    public let ttl: UInt32
    public let type: RRType
    public let data: RecordData
    /// `data.presentation`, printed once: sorting and every renderer read it many times.
    public let rdataPresentation: String
    public let recordClass = "IN"

    public init(zone: DNSName, owner: DNSName, ttl: UInt32, type: RRType, data: RecordData) {
        self.zone = zone
        self.owner = owner
        self.ttl = ttl
        self.type = type
        self.data = data
        self.rdataPresentation = data.presentation
    }

    /// `owner ttl IN TYPE rdata`, the RFC 1035 master-file line.
    public var presentation: String { "\(owner.fqdn) \(ttl) \(recordClass) \(type) \(rdataPresentation)" }

    /// The type an RRSIG covers, or the record's own type: an RRSIG sorts beside its RRset.
    var sortType: String {
        if case .rrsig(let signature) = data { return signature.typeCovered.description }
        return type.description
    }

    /// Zone, then canonical owner order, then type mnemonic (an RRSIG right after the RRset it
    /// covers), then RDATA text: stable across runs.
    public static func < (a: Self, b: Self) -> Bool {
        if a.zone != b.zone { return a.zone < b.zone }
        if a.owner != b.owner { return a.owner < b.owner }
        let (typeA, typeB) = (a.sortType, b.sortType)
        if typeA != typeB { return typeA < typeB }
        if a.type != b.type { return b.type == .rrsig }
        return a.rdataPresentation < b.rdataPresentation
    }
}
