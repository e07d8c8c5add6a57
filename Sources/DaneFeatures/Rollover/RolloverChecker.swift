import DaneModel
import Foundation
import LDNSKit
import OpenSSLKit

/// `rollover check`: the pre-renewal gate. Deploying the next key is safe only when its hash
/// is published, DNSSEC-secure, on every authoritative server (same SOA serial) and at the
/// validating resolver, has been for long enough, and the current key still matches what
/// every MX address serves. `--after` checks the other side: the new key is live everywhere.
public struct RolloverChecker {
    public struct HostResult: Sendable, Codable {
        public enum State: String, Sendable, Codable {
            case safe
            /// Everything is in place but caches may still hold the old set.
            case wait
            /// Deploying now would break mail (or the deployment went wrong).
            case unsafe
            case dnsProblem = "dns-problem"
        }

        public let host: String
        public let state: State
        public let reasons: [String]
        public let earliestSafe: Date?
        public let nextRecords: [String]
    }

    public let lookup: SecureLookup
    public var now: Date
    public var timeout: TimeInterval
    public var publishDelay: TimeInterval = 0

    public init(lookup: SecureLookup, now: Date, timeout: TimeInterval) {
        self.lookup = lookup
        self.now = now
        self.timeout = timeout
    }

    public func check(_ description: DomainDescription, hosts filter: Set<String>?, after: Bool,
                      evidence: inout RolloverEvidence) throws(DiagnosticError) -> [HostResult] {
        let generator = Generator(now: now)
        let zones = ZoneAssignment(description: description)
        var results: [HostResult] = []
        for host in description.hosts where !host.next.isEmpty {
            let name = host.host.fqdn
            if let filter, !filter.contains(name), !filter.contains(String(name.dropLast())) { continue }
            let current = try generator.tlsaRecords(for: MXHostSpec(host: host.host, port: host.port, current: host.current, next: [],
                                                                    tlsa: host.tlsa, zone: host.zone, ttl: host.ttl, location: host.location)).0
            let all = try generator.tlsaRecords(for: host).0
            let next = all.filter { !current.contains($0) }
            let owner = TLSARecordData.ownerName(host: host.host, port: host.port).fqdn
            let zone = zones.zone(for: host.host, explicit: host.zone).zone.fqdn
            var materials: [KeyMaterial] = []
            for source in host.current { materials.append(try generator.loader.load(source)) }
            results.append(after
                ? checkAfter(name, owner: owner, next: next)
                : checkBefore(name, owner: owner, zone: zone, current: current, next: next, evidence: &evidence,
                              currentRecords: { parameters in materials.compactMap { try? TLSAAssociation.recordData(parameters, for: $0) } }))
        }
        return results
    }

    // MARK: - Before deploying

    func checkBefore(_ host: String, owner: String, zone: String, current: [TLSARecordData], next: [TLSARecordData],
                     evidence: inout RolloverEvidence, currentRecords: (TLSAParameters) -> [TLSARecordData]) -> HostResult {
        let nextText = next.map(\.description)
        func result(_ state: HostResult.State, _ reasons: [String], _ earliest: Date? = nil) -> HostResult {
            HostResult(host: host, state: state, reasons: reasons, earliestSafe: earliest, nextRecords: nextText)
        }
        guard !next.isEmpty else {
            return result(.safe, ["the next key has the same hash as the current one (key reuse): nothing to wait for"], now)
        }
        // 1. The validating resolver: secure, and carrying every next hash.
        let answer = lookup.lookup(owner, "TLSA")
        switch answer.status {
        case .bogus, .failed:
            return result(.dnsProblem, ["\(owner) TLSA: \(answer.problem ?? "lookup failed")"])
        case .insecure:
            return result(.unsafe, ["\(owner) is not DNSSEC-secure, so senders ignore its TLSA records; sign the zone \(zone) and publish its DS first"])
        case .secure:
            break
        }
        let live = Set((answer.response?.records(ofType: "TLSA") ?? []).map { $0.fields.joined(separator: " ").lowercased() })
        let missing = nextText.filter { !live.contains($0) }
        if !missing.isEmpty {
            return result(.unsafe, missing.map { "the next hash is not published: \(owner) IN TLSA \($0) (publish it with danectl generate, then wait)" })
        }
        // Every certificate in service (an RSA and an ECDSA one, say) needs its own record.
        let uncovered = current.map(\.description).filter { !live.contains($0) }
        if !uncovered.isEmpty {
            return result(.unsafe, uncovered.map { "a key in service is not covered: \(owner) IN TLSA \($0) is missing; senders that negotiate "
                                                   + "that certificate fail today (publish it before anything else)" })
        }
        // Pre-flight (RFC 7671 §8-9): every usage/selector/matching type in the live set must
        // have a record for the key in service, or senders that pick that combination (say,
        // SHA-512 over SHA-256) fail even before the new key is deployed.
        for parameters in Set((answer.response?.records(ofType: "TLSA") ?? []).compactMap { TLSAParameters(text: $0.fields.prefix(3).joined(separator: " ")) })
        where SMTPUsability.verdict(for: parameters).isUsable {
            for expected in currentRecords(parameters) where !live.contains(expected.description) {
                return result(.unsafe, ["the live set has \(parameters) records but none for the key in service "
                                        + "(\(expected.description)); senders that choose \(parameters) would fail (RFC 7671 §9): publish it or drop that combination"])
            }
        }
        // A resolver counts cached TTLs down (and may cap them): the original TTL comes from the
        // RRSIG and from the authoritative servers, below.
        var ttl = TimeInterval(Self.originalTTL(answer.response) ?? 0)

        // 2. Every authoritative server, queried directly, with one SOA serial.
        var reasons: [String] = []
        let (servers, problem) = authoritativeAddresses(zone)
        if let problem { return result(.dnsProblem, [problem]) }
        var serials: [String: UInt32] = [:]
        for (name, address) in servers {
            guard let server = try? StubResolver(address: address, timeout: min(5, timeout)),
                  let tlsa = try? server.query(owner, "TLSA"), let soa = try? server.query(zone, "SOA") else {
                reasons.append("authoritative server \(name) (\(address)) does not answer")
                continue
            }
            let served = Set(tlsa.records(ofType: "TLSA").map { $0.fields.joined(separator: " ").lowercased() })
            ttl = max(ttl, TimeInterval(tlsa.records(ofType: "TLSA").map(\.ttl).max() ?? 0))
            for record in nextText where !served.contains(record) {
                reasons.append("authoritative server \(name) (\(address)) does not serve \(owner) TLSA \(record) yet")
            }
            if let serial = soa.records(ofType: "SOA").first.flatMap({ UInt32($0.fields[2]) }) { serials["\(name) (\(address))"] = serial }
        }
        if Set(serials.values).count > 1 {
            reasons.append("the authoritative servers disagree on the SOA serial (" + serials.sorted { $0.key < $1.key }
                .map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "): a secondary has not caught up")
        }
        if !reasons.isEmpty { return result(.unsafe, reasons) }

        // 3. The current key must still be what every MX address serves.
        reasons += probe(host, baseDomain: host, records: current, expectation: "the current key")
        if !reasons.isEmpty { return result(.unsafe, reasons) }

        // 4. Long enough: from the first check that saw the hashes everywhere.
        let wait = RolloverPlanner.waitBeforeDeploy(.init(tlsaTTL: UInt32(ttl), negativeTTL: nil), publishDelay: publishDelay)
        let keys = nextText.map { "\(owner) \($0)" }
        for key in keys where evidence.firstSeen[key] == nil { evidence.firstSeen[key] = now }
        let seen = keys.compactMap { evidence.firstSeen[$0] }.max() ?? now
        let earliest = seen.addingTimeInterval(wait)
        if earliest > now {
            return result(.wait, ["the next hash has been seen fully published since \(Self.format(seen)); resolvers may still cache "
                                  + "the old set until \(Self.format(earliest)) (2 x TTL \(Int(ttl)) s\(publishDelay > 0 ? " + publishing delay" : ""))"], earliest)
        }
        return result(.safe, ["the next hash is published everywhere and has been since \(Self.format(seen)); the current key still matches"], earliest)
    }

    // MARK: - After deploying

    func checkAfter(_ host: String, owner: String, next: [TLSARecordData]) -> HostResult {
        let nextText = next.map(\.description)
        let reasons = probe(host, baseDomain: host, records: next, expectation: "the new key")
        if !reasons.isEmpty {
            return HostResult(host: host, state: .unsafe, reasons: reasons, earliestSafe: nil, nextRecords: nextText)
        }
        let ttl = TimeInterval(Self.originalTTL(lookup.lookup(owner, "TLSA").response) ?? 3600)
        let retire = now.addingTimeInterval(2 * ttl)
        return HostResult(host: host, state: .safe,
                          reasons: ["the new key is live and matches on every address; retire the old hash from \(Self.format(retire)) "
                                    + "(move `next` to `certificate` and publish)"],
                          earliestSafe: retire, nextRecords: nextText)
    }

    /// Probes every address of `host` with only `records` as the TLSA set; returns problems.
    func probe(_ host: String, baseDomain: String, records: [TLSARecordData], expectation: String) -> [String] {
        let danes = records.compactMap { record -> DANERecord? in
            DANERecord(usage: record.parameters.usage.rawValue, selector: record.parameters.selector.rawValue,
                       matchingType: record.parameters.matchingType.rawValue, data: record.associationData)
        }
        let addresses = ["A", "AAAA"].flatMap { type in
            (lookup.lookup(host, type).response?.records(ofType: type) ?? []).map { $0.fields[0] }
        }
        guard !addresses.isEmpty else { return ["\(host) has no addresses to check"] }
        var problems: [String] = []
        for address in addresses {
            let outcome = STARTTLSProbe(timeout: timeout).run(address: address, port: 25, baseDomain: baseDomain, mxHost: host, records: danes)
            switch outcome.stage {
            case .connected(let handshake) where handshake.authenticated:
                continue
            case .connected(let handshake):
                let presented = handshake.chain.first.map { Hex.encode(Digest.hash($0.subjectPublicKeyInfoDER, with: .sha256)) } ?? "nothing"
                problems.append("\(host) [\(address)] does not present \(expectation): its key's 3 1 1 is \(presented)")
            case .noSTARTTLS(let why), .smtpError(let why), .networkError(let why):
                problems.append("\(host) [\(address)]: \(why)")
            }
        }
        return problems
    }

    /// The addresses of the zone's NS hosts, found through the validating resolver.
    func authoritativeAddresses(_ zone: String) -> ([(String, String)], String?) {
        let ns = lookup.lookup(zone, "NS")
        guard ns.status == .secure || ns.status == .insecure else { return ([], "\(zone) NS: \(ns.problem ?? "lookup failed")") }
        var out: [(String, String)] = []
        for name in (ns.response?.records(ofType: "NS") ?? []).map({ $0.fields[0].lowercased() }).sorted() {
            for type in ["A", "AAAA"] {
                out += (lookup.lookup(name, type).response?.records(ofType: type) ?? []).map { (name, $0.fields[0]) }
            }
        }
        return out.isEmpty ? ([], "no authoritative server of \(zone) could be found (NS and their addresses)") : (out, nil)
    }

    static func format(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// The TTL the zone gives the RRset: the RRSIG's original-TTL field, else the answer's TTL.
    public static func originalTTL(_ response: DNSResponse?) -> UInt32? {
        guard let response else { return nil }
        let signed = response.records(ofType: "RRSIG").compactMap { $0.fields.count > 3 ? UInt32($0.fields[3]) : nil }.max()
        return signed ?? response.answer.filter { $0.type != "RRSIG" }.map(\.ttl).max()
    }
}
