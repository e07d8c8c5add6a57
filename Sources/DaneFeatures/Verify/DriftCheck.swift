import DaneModel

/// Compares what `generate` would publish with what is live: TLSA and TLS-RPT records that
/// are missing or extra, per domain (TLSA drift is reported under every domain using the
/// host). Records are compared as decoded values, so case and spacing never count as drift.
public struct DriftCheck: Sendable {
    public let lookup: any DNSLookup

    public init(lookup: any DNSLookup) { self.lookup = lookup }

    /// Messages keyed by the domain (FQDN) they concern.
    public func compare(_ records: [ResourceRecord]) -> [String: [String]] {
        var messages: [String: [String]] = [:]
        let groups = Dictionary(grouping: records.filter { $0.type == .tlsa || $0.type == .txt }, by: { "\($0.owner.fqdn) \($0.type.rawValue)" })
        for key in groups.keys.sorted() {
            let wanted = groups[key]!
            let owner = wanted[0].owner
            let type: RRType = wanted[0].type == .tlsa ? .tlsa : .txt
            let answer = lookup.lookup(owner, type)
            let live = Set((answer.response?.records(ofType: type) ?? []).map { Self.comparable($0.data) })
            let expected = Set(wanted.compactMap { Self.comparable(intended: $0) })
            let domain = type == .txt ? DNSName(labels: Array(owner.labels.dropFirst(2))).fqdn : wanted[0].zone.fqdn
            for missing in expected.subtracting(live).sorted() {
                messages[domain, default: []].append("drift: \(owner) \(type) \(missing) is in the description but not live")
            }
            for extra in live.subtracting(expected).sorted() {
                messages[domain, default: []].append("drift: \(owner) \(type) \(extra) is live but not in the description")
            }
        }
        return messages
    }

    /// TLSA as its canonical presentation; TXT as its joined character-strings, quoted once
    /// (RFC 8460 §3: a TLS-RPT record's strings are concatenated before parsing).
    static func comparable(_ data: RecordData) -> String {
        switch data {
        case .tlsa(let tlsa): tlsa.description
        case .txt(let strings): TXTCharacterStrings.quoted(strings.flatMap { $0 })
        default: data.presentation
        }
    }

    static func comparable(intended record: ResourceRecord) -> String? {
        switch record.type {
        case .tlsa: (try? TLSARecordData(presentation: record.rdata))?.description
        case .txt: TXTCharacterStrings.parse(record.rdata).map { TXTCharacterStrings.quoted($0.flatMap { $0 }) }
        default: record.rdata
        }
    }
}
