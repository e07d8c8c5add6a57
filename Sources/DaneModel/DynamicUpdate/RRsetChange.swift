/// One RRset danectl owns, as the primary serves it and as the description wants it, and the
/// record-level edits that take one to the other, as values. `old` and `removed` are exactly
/// what the server holds (a deletion must name the served RDATA); lists are in presentation
/// order, so plans and messages are stable.
public struct RRsetChange: Sendable, Equatable {
    public enum Action: String, Sendable { case add, replace, delete }

    public let zone: DNSName
    public let owner: DNSName
    public let type: RRType
    public let action: Action
    public let oldTTL: UInt32?
    public let old: [RecordData]
    public let newTTL: UInt32?
    public let new: [RecordData]
    /// True when the TTL changes: the RRset is deleted and re-added whole (RFC 2136 §3.4.2.2
    /// leaves an added record's TTL to the server otherwise).
    public let replacesWhole: Bool
    public let removed: [RecordData]
    public let added: [RecordData]

    /// Compares `live` (as served) with `wanted`; nil when they already agree. Records are
    /// compared as values (RecordComparison), so case, spacing and TXT splitting never count.
    public static func between(
        zone: DNSName, owner: DNSName, type: RRType, live: (ttl: UInt32, records: [RecordData])?,
        wanted: (ttl: UInt32, records: [RecordData])?
    ) -> RRsetChange? {
        let liveRecords = inPresentationOrder(live?.records ?? [])
        let wantedRecords = inPresentationOrder(wanted?.records ?? [])
        var liveByKey: [String: RecordData] = [:]
        for record in liveRecords where liveByKey[RecordComparison.key(record)] == nil {
            liveByKey[RecordComparison.key(record)] = record
        }
        var wantedByKey: [String: RecordData] = [:]
        for record in wantedRecords { wantedByKey[RecordComparison.key(record)] = record }
        let sameData = Set(liveByKey.keys) == Set(wantedByKey.keys)
        if sameData && (liveRecords.isEmpty || live?.ttl == wanted?.ttl) { return nil }
        let action: Action = liveRecords.isEmpty ? .add : wantedRecords.isEmpty ? .delete : .replace
        let whole = action == .replace && live?.ttl != wanted?.ttl
        let removed =
            whole ? liveRecords : inPresentationOrder(liveByKey.filter { wantedByKey[$0.key] == nil }.map(\.value))
        let added =
            whole ? wantedRecords : inPresentationOrder(wantedByKey.filter { liveByKey[$0.key] == nil }.map(\.value))
        return RRsetChange(
            zone: zone, owner: owner, type: type, action: action, oldTTL: liveRecords.isEmpty ? nil : live?.ttl,
            old: liveRecords, newTTL: wantedRecords.isEmpty ? nil : wanted?.ttl, new: wantedRecords,
            replacesWhole: whole, removed: removed, added: added)
    }

    private static func inPresentationOrder(_ records: [RecordData]) -> [RecordData] {
        records.map { ($0.presentation, $0) }.sorted { $0.0 < $1.0 }.map(\.1)
    }
}

/// The one rule for "is this live record the one we meant": TLSA by canonical value, TXT by
/// its joined character-strings (RFC 8460 §3 joins them before parsing), MX by preference and
/// exchange (names compare without case); anything else by presentation.
public enum RecordComparison {
    public static func key(_ data: RecordData) -> String {
        switch data {
        case .tlsa(let tlsa): tlsa.description
        case .txt(let strings): TXTCharacterStrings.quoted(strings.flatMap { $0 })
        case .mx(let preference, let exchange): "\(preference) \(exchange.fqdn)"
        default: data.presentation
        }
    }
}
