/// One record danectl means to publish (or has signed), as a value: owner, TTL, type and its
/// decoded RDATA — the same `RecordData` live answers decode to, so drift, publish, JSON and
/// octoDNS compare and render values, never re-parse text. The zone is the file it belongs in.
///
/// The fields live in one shared, immutable box: a provider's run sorts and groups hundreds of
/// thousands of records, and moving a record then costs one reference count instead of one per
/// field.
public struct ResourceRecord: Sendable, Hashable, Comparable {
    /// What records of the same type and RDATA share wherever they are published: a
    /// provider's 100,000 domains repeat the same few MX and TLS-RPT records, each printed once.
    private final class Content: Sendable {
        let type: RRType
        let data: RecordData
        let rdataPresentation: String
        /// The mnemonic of the type an RRSIG covers, or of the record's own type.
        let sortType: String

        init(type: RRType, data: RecordData) {
            (self.type, self.data) = (type, data)
            rdataPresentation = data.presentation
            if case .rrsig(let signature) = data {
                sortType = signature.typeCovered.description
            } else {
                sortType = type.description
            }
        }
    }

    private final class Fields: Sendable {
        let zone: DNSName
        let owner: DNSName
        let ttl: UInt32
        let content: Content

        init(zone: DNSName, owner: DNSName, ttl: UInt32, content: Content) {
            (self.zone, self.owner, self.ttl, self.content) = (zone, owner, ttl, content)
        }
    }

    private let fields: Fields

    public var zone: DNSName { fields.zone }
    public var owner: DNSName { fields.owner }
    public var ttl: UInt32 { fields.ttl }
    public var type: RRType { fields.content.type }
    public var data: RecordData { fields.content.data }
    /// `data.presentation`, printed once: sorting and every renderer read it many times.
    public var rdataPresentation: String { fields.content.rdataPresentation }
    public var recordClass: String { "IN" }

    public init(zone: DNSName, owner: DNSName, ttl: UInt32, type: RRType, data: RecordData) {
        fields = Fields(zone: zone, owner: owner, ttl: ttl, content: Content(type: type, data: data))
    }

    /// The same type and RDATA at another owner (or zone, or TTL), sharing the RDATA and its
    /// text rather than holding and printing them again.
    public func moved(zone: DNSName, owner: DNSName, ttl: UInt32) -> ResourceRecord {
        ResourceRecord(fields: Fields(zone: zone, owner: owner, ttl: ttl, content: fields.content))
    }

    private init(fields: Fields) { self.fields = fields }

    /// `owner ttl IN TYPE rdata`, the RFC 1035 master-file line.
    public var presentation: String { "\(owner.fqdn) \(ttl) \(recordClass) \(type) \(rdataPresentation)" }

    public static func == (a: Self, b: Self) -> Bool {
        a.fields === b.fields
            || (a.ttl == b.ttl && a.type == b.type && a.zone == b.zone && a.owner == b.owner && a.data == b.data)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(zone)
        hasher.combine(owner)
        hasher.combine(ttl)
        hasher.combine(type)
        hasher.combine(data)
    }

    /// Zone, then canonical owner order, then type mnemonic (an RRSIG right after the RRset it
    /// covers), then RDATA text: stable across runs.
    public static func < (a: Self, b: Self) -> Bool {
        let (x, y) = (a.fields, b.fields)
        if x === y { return false }
        let zoneOrder = DNSName.canonicalOrder(x.zone, y.zone)
        if zoneOrder != 0 { return zoneOrder < 0 }
        let ownerOrder = DNSName.canonicalOrder(x.owner, y.owner)
        if ownerOrder != 0 { return ownerOrder < 0 }
        let (a, b) = (x.content, y.content)
        if a === b { return false }
        if a.sortType != b.sortType { return a.sortType < b.sortType }
        if a.type != b.type { return b.type == .rrsig }
        return a.rdataPresentation < b.rdataPresentation
    }

    /// Sorted, each record once: what `Set(records).sorted()` gives, without hashing every
    /// record. Records that differ only in TTL sort as equals, so duplicates are looked for
    /// across each run of equals, not only next door; such a run keeps its input order.
    public static func sortedUnique(_ records: [ResourceRecord]) -> [ResourceRecord] {
        var unique: [ResourceRecord] = []
        unique.reserveCapacity(records.count)
        var runStart = 0
        for record in records.sorted() {
            if let last = unique.last, last < record { runStart = unique.count }
            if !unique[runStart...].contains(record) { unique.append(record) }
        }
        return unique
    }
}
