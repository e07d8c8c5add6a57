/// One record ready for a zone file or JSON, already in presentation form, and the zone whose
/// file it belongs in (operators paste or include per zone).
public struct ResourceRecord: Sendable, Hashable, Comparable {
    public enum RecordType: String, Sendable, Comparable {
        case mx = "MX", txt = "TXT", tlsa = "TLSA", rrsig = "RRSIG"
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

    /// The type an RRSIG covers (its first RDATA field), or the record's own type.
    var sortType: String {
        type == .rrsig ? String(rdata.prefix { $0 != " " }) : type.rawValue
    }

    /// Zone, then canonical owner order, then type (an RRSIG right after the RRset it
    /// covers), then RDATA text: stable across runs.
    public static func < (a: Self, b: Self) -> Bool {
        if a.zone != b.zone { return a.zone < b.zone }
        if a.owner != b.owner { return a.owner < b.owner }
        if a.sortType != b.sortType { return a.sortType < b.sortType }
        if a.type != b.type { return b.type == .rrsig }
        return a.rdata < b.rdata
    }
}
