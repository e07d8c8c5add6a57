/// One RRset danectl owns, as the primary serves it and as the description wants it, and the
/// record-level edits that take one to the other. Values are in presentation form; `old` and
/// `removed` are exactly what the server holds (a deletion must name the served RDATA).
public struct RRsetChange: Sendable, Equatable {
    public enum Action: String, Sendable { case add, replace, delete }

    public let zone: DNSName
    public let owner: DNSName
    public let type: RRType
    public let action: Action
    public let oldTTL: UInt32?
    public let old: [String]
    public let newTTL: UInt32?
    public let new: [String]
    /// True when the TTL changes: the RRset is deleted and re-added whole (RFC 2136 §3.4.2.2
    /// leaves an added record's TTL to the server otherwise).
    public let replacesWhole: Bool
    public let removed: [String]
    public let added: [String]

    /// Compares `live` (as served) with `wanted`; nil when they already agree. Records are
    /// compared as values (RecordComparison), so case, spacing and TXT splitting never count.
    public static func between(zone: DNSName, owner: DNSName, type: RRType, live: (ttl: UInt32, records: [RecordData])?,
                               wanted: (ttl: UInt32, rdata: [String])?) -> RRsetChange? {
        let liveRecords = live?.records ?? []
        let wantedRecords = wanted?.rdata ?? []
        var liveByKey: [String: String] = [:]
        for record in liveRecords { liveByKey[RecordComparison.key(record), default: record.presentation] = record.presentation }
        var wantedByKey: [String: String] = [:]
        for rdata in wantedRecords { wantedByKey[RecordComparison.key(intended: rdata, type: type) ?? rdata] = rdata }
        let sameData = Set(liveByKey.keys) == Set(wantedByKey.keys)
        if sameData && (liveRecords.isEmpty || live?.ttl == wanted?.ttl) { return nil }
        let old = liveRecords.map(\.presentation).sorted()
        let new = wantedRecords.sorted()
        let action: Action = liveRecords.isEmpty ? .add : wantedRecords.isEmpty ? .delete : .replace
        let whole = action == .replace && live?.ttl != wanted?.ttl
        let removed = whole ? old : liveByKey.filter { wantedByKey[$0.key] == nil }.map(\.value).sorted()
        let added = whole ? new : wantedByKey.filter { liveByKey[$0.key] == nil }.map(\.value).sorted()
        return RRsetChange(zone: zone, owner: owner, type: type, action: action, oldTTL: liveRecords.isEmpty ? nil : live?.ttl,
                           old: old, newTTL: wantedRecords.isEmpty ? nil : wanted?.ttl, new: new,
                           replacesWhole: whole, removed: removed, added: added)
    }
}

/// The one rule for "is this live record the one we meant": TLSA by canonical value, TXT by
/// its joined character-strings (RFC 8460 §3 joins them before parsing), MX by preference and
/// lower-case exchange; anything else by presentation.
public enum RecordComparison {
    public static func key(_ data: RecordData) -> String {
        switch data {
        case .tlsa(let tlsa): tlsa.description
        case .txt(let strings): TXTCharacterStrings.quoted(strings.flatMap { $0 })
        case .mx(let preference, let exchange): "\(preference) \(exchange.fqdn)"
        default: data.presentation
        }
    }

    /// The same key for a record danectl means to publish, from its presentation form; nil
    /// when the text does not parse as that type.
    public static func key(intended rdata: String, type: RRType) -> String? {
        switch type {
        case .tlsa: return (try? TLSARecordData(presentation: rdata))?.description
        case .txt: return TXTCharacterStrings.parse(rdata).map { TXTCharacterStrings.quoted($0.flatMap { $0 }) }
        case .mx:
            let parts = rdata.split(separator: " ")
            guard parts.count == 2, let preference = UInt16(parts[0]), let exchange = DNSName(presentation: String(parts[1])) else { return nil }
            return "\(preference) \(exchange.fqdn)"
        default: return rdata
        }
    }
}
