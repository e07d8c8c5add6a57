/// One record ready for a zone file or JSON, already in presentation form, and the zone whose
/// file it belongs in (operators paste or include per zone).
public struct ResourceRecord: Sendable, Hashable, Comparable {
    public enum RecordType: String, Sendable, Comparable {
        case mx = "MX", txt = "TXT", tlsa = "TLSA"
        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    public let zone: DNSName
    public let owner: DNSName
    public let ttl: UInt32
    public let type: RecordType
    public let rdata: String
    public let recordClass = "IN"

    public init(zone: DNSName, owner: DNSName, ttl: UInt32, type: RecordType, rdata: String) {
        self.zone = zone
        self.owner = owner
        self.ttl = ttl
        self.type = type
        self.rdata = rdata
    }

    /// `owner ttl IN TYPE rdata`, the RFC 1035 master-file line.
    public var presentation: String { "\(owner.fqdn) \(ttl) \(recordClass) \(type.rawValue) \(rdata)" }

    /// Zone, then canonical owner order, then type, then RDATA text: stable across runs.
    public static func < (a: Self, b: Self) -> Bool {
        if a.zone != b.zone { return a.zone < b.zone }
        if a.owner != b.owner { return a.owner < b.owner }
        if a.type != b.type { return a.type < b.type }
        return a.rdata < b.rdata
    }
}
