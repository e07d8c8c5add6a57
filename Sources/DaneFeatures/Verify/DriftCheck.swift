import DaneModel
import LDNSKit

/// Compares what `generate` would publish with what is live: TLSA and TLS-RPT records that
/// are missing or extra, per domain (TLSA drift is reported under every domain using the host).
public struct DriftCheck {
    public let lookup: SecureLookup

    public init(lookup: SecureLookup) { self.lookup = lookup }

    /// Messages keyed by the domain (FQDN) they concern.
    public func compare(_ records: [ResourceRecord]) -> [String: [String]] {
        var messages: [String: [String]] = [:]
        let groups = Dictionary(grouping: records.filter { $0.type == .tlsa || $0.type == .txt }, by: { "\($0.owner.fqdn) \($0.type.rawValue)" })
        for key in groups.keys.sorted() {
            let wanted = groups[key]!
            let owner = wanted[0].owner.fqdn
            let type = wanted[0].type.rawValue
            let answer = lookup.lookup(owner, type)
            let live = Set((answer.response?.records(ofType: type) ?? []).map { normalise($0.fields.joined(separator: " "), type) })
            let expected = Set(wanted.map { normalise($0.rdata, type) })
            let domain = wanted[0].type == .txt ? owner.replacingOccurrences(of: "_smtp._tls.", with: "") : wanted[0].zone.fqdn
            for missing in expected.subtracting(live).sorted() {
                messages[domain, default: []].append("drift: \(owner) \(type) \(missing) is in the description but not live")
            }
            for extra in live.subtracting(expected).sorted() {
                messages[domain, default: []].append("drift: \(owner) \(type) \(extra) is live but not in the description")
            }
        }
        return messages
    }

    func normalise(_ rdata: String, _ type: String) -> String {
        type == "TLSA" ? rdata.lowercased() : rdata.replacingOccurrences(of: "\" \"", with: "")
    }
}
