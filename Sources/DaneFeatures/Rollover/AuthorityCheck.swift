import DaneModel
import FoundationEssentials

/// Asks every authoritative server of a zone directly (its NS names' addresses, found through
/// the validating resolver) whether it serves the given TLSA records, and whether all agree on
/// the SOA serial: a secondary that has not caught up still hands out the old set.
struct AuthorityCheck {
    struct Outcome {
        /// A server that could not be found or asked: nothing about it is known.
        var failure: (state: RolloverHostResult.State, findings: [RolloverFinding])?
        var missing: [RolloverFinding] = []
        var serialDisagreement: RolloverFinding?
        /// The largest TLSA TTL any server gives, and the zone's negative TTL.
        var largestTTL: UInt32 = 0
        var negativeTTL: UInt32?
    }

    let lookup: any DNSLookup

    func check(_ zone: DNSName, owner: DNSName, serving records: [TLSARecordData]) -> Outcome {
        var outcome = Outcome()
        let ns = lookup.lookup(zone, .ns)
        guard ns.status == .secure || ns.status == .insecure else {
            outcome.failure = (
                .dnsProblem, [.init("ns-lookup-failed", "\(zone) NS: \(ns.problem ?? "the lookup failed")")]
            )
            return outcome
        }
        var servers: [(name: DNSName, address: String)] = []
        for name in Set(ns.response?.names(ofType: .ns) ?? []).sorted() {
            for type in [RRType.a, .aaaa] {
                servers += (lookup.lookup(name, type).response?.addresses ?? []).map { (name, $0) }
            }
        }
        guard !servers.isEmpty else {
            outcome.failure = (
                .dnsProblem,
                [
                    .init(
                        "no-authoritative-servers",
                        "no authoritative server of \(zone) could be found (its NS records and their addresses)")
                ]
            )
            return outcome
        }
        var serials: [String: UInt32] = [:]
        var unreachable: [RolloverFinding] = []
        for (name, address) in servers {
            let label = "\(name) (\(address))"
            let tlsa: DNSResponse, soa: DNSResponse
            do {
                tlsa = try lookup.ask(server: address, owner, .tlsa)
                soa = try lookup.ask(server: address, zone, .soa)
            } catch {
                unreachable.append(
                    .init("name-server-unreachable", "authoritative server \(label) does not answer: \(error)"))
                continue
            }
            guard let (soaRecord, soaData) = soa.soa else {
                unreachable.append(
                    .init(
                        "name-server-not-authoritative",
                        "authoritative server \(label) has no SOA for \(zone) (lame delegation)"))
                continue
            }
            let served = Set(tlsa.tlsa)
            outcome.largestTTL = max(outcome.largestTTL, tlsa.records(ofType: .tlsa).map(\.ttl).max() ?? 0)
            outcome.negativeTTL = max(outcome.negativeTTL ?? 0, min(soaData.minimum, soaRecord.ttl))
            for record in records where !served.contains(record) {
                outcome.missing.append(
                    .init(
                        "server-not-serving", "authoritative server \(label) does not serve \(owner) TLSA \(record) yet"
                    ))
            }
            serials[label] = soaData.serial
        }
        if !unreachable.isEmpty {
            let lame = unreachable.contains { $0.code == "name-server-not-authoritative" }
            outcome.failure = (lame ? .dnsProblem : .unavailable, unreachable)
            return outcome
        }
        if Set(serials.values).count > 1 {
            outcome.serialDisagreement = .init(
                "serials-differ",
                "the authoritative servers disagree on the SOA serial ("
                    + serials.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
                    + "): a secondary has not caught up")
        }
        return outcome
    }
}
