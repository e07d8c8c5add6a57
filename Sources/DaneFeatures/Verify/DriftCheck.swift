import DaneModel

/// Compares what `generate` would publish with what is live: the TLSA, MX, TLS-RPT and
/// MTA-STS records that are missing or extra, per domain (TLSA drift is reported under every domain
/// using the host). Records are compared as values (RecordComparison, the rule `publish`
/// uses too), so case, spacing and TXT splitting never count as drift.
public struct DriftCheck: Sendable {
    public let lookup: any DNSLookup

    public init(lookup: any DNSLookup) { self.lookup = lookup }

    /// Findings keyed by the domain (FQDN) they concern.
    public func compare(_ records: [ResourceRecord]) -> [String: [DriftFinding]] {
        var findings: [String: [DriftFinding]] = [:]
        let managed: Set<RRType> = [.tlsa, .txt, .mx]
        let groups = Dictionary(
            grouping: records.filter { managed.contains($0.type) }, by: { "\($0.owner.fqdn) \($0.type)" })
        for key in groups.keys.sorted() {
            let wanted = groups[key]!
            let owner = wanted[0].owner
            let type = wanted[0].type
            let answer = lookup.lookup(owner, type)
            let live = Set((answer.response?.records(ofType: type) ?? []).map { RecordComparison.key($0.data) })
            let expected = Set(wanted.map { RecordComparison.key($0.data) })
            let domains: [String] =
                switch wanted[0].type {
                // _smtp._tls.<domain> (TLS-RPT) or _mta-sts.<domain> (MTA-STS).
                case .txt:
                    [DNSName(labels: Array(owner.labels.dropFirst(owner.labels.first == "_mta-sts" ? 1 : 2))).fqdn]
                case .mx: [owner.fqdn]
                default: [wanted[0].zone.fqdn]
                }
            for domain in domains {
                findings[domain, default: []] +=
                    expected.subtracting(live).sorted().map {
                        DriftFinding(owner: owner.fqdn, type: type.description, state: .missing, value: $0)
                    }
                    + live.subtracting(expected).sorted().map {
                        DriftFinding(owner: owner.fqdn, type: type.description, state: .extra, value: $0)
                    }
            }
        }
        return findings
    }
}
