import DaneModel
import DaneSpec
import FoundationEssentials

/// Where each described domain's certificate rollovers stand, in words for the status page:
/// a deployment waiting for the gate (host, since when, safe from when), a next key ready to
/// go, or nothing planned. Read from the descriptions and their pending files at each request,
/// since deploy changes them.
public enum RolloverOverview {
    /// Words per domain name (lower-case, without the trailing dot).
    public static func states(descriptions: [String], now: Date) -> [String: String] {
        var states: [String: String] = [:]
        for path in descriptions {
            // `serve` read every description when it started; one broken since says nothing here.
            guard let description = try? DescriptionLoader.load(path: path) else { continue }
            let pending = (try? PendingDeployments.load(path)) ?? []
            for domain in description.domains {
                let hosts = Set(domain.mx.map { $0.host.fqdn.lowercased() })
                let words = description.hosts.filter { hosts.contains($0.host.fqdn.lowercased()) }.compactMap {
                    host -> String? in
                    let name = String(host.host.fqdn.dropLast())
                    if let entry = pending.first(where: { bare($0.host) == name.lowercased() }) {
                        let safe = entry.earliestSafe.map { $0 <= now ? "safe now" : "safe from \(RFC3339.string($0))" }
                        return "\(name): deploy pending since \(RFC3339.string(entry.since))"
                            + (safe.map { ", \($0)" } ?? "")
                    }
                    return host.next.isEmpty ? nil : "\(name): next key ready"
                }
                states[key(domain.name)] = words.isEmpty ? "no next key described" : words.joined(separator: "; ")
            }
        }
        return states
    }

    private static func key(_ name: DNSName) -> String { String(name.fqdn.lowercased().dropLast()) }
    private static func bare(_ host: String) -> String {
        host.hasSuffix(".") ? String(host.lowercased().dropLast()) : host.lowercased()
    }
}
