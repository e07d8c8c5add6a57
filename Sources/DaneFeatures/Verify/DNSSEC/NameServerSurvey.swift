import DaneModel
import FoundationEssentials

/// When a lookup fails (SERVFAIL, timeouts) or is bogus for no reason the chain shows, the
/// cause is often one name server: lame (not answering, refusing, or not authoritative for
/// the zone) or out of step with the others (another serial, other records, no signatures).
/// This asks each authoritative server of the zone directly, as the seed's troubleshooting
/// advises, and says which one and how. The delegation comes from the parent's servers when
/// the zone's own NS cannot be resolved.
struct NameServerSurvey {
    let lookup: any DNSLookup

    /// One finding per problem found, naming the server; empty when every server agrees.
    func survey(_ name: DNSName, _ type: RRType) -> [VerifyFinding] {
        guard let (zone, servers) = delegation(of: name), !servers.isEmpty else { return [] }
        var findings: [VerifyFinding] = []
        var serials: [String: UInt32] = [:]
        var answers: [String: [String]] = [:]
        var expiries: [String: Date] = [:]
        var unsigned: [String] = []
        for (label, address) in servers {
            guard let address else {
                findings.append(
                    .init(
                        .nameServerNoAddress, "name server \(label) of \(zone) has no address: senders cannot reach it")
                )
                continue
            }
            let soa: DNSResponse
            do { soa = try lookup.ask(server: address, zone, .soa) } catch {
                findings.append(
                    .init(
                        .nameServerUnreachable,
                        "name server \(label) (\(address)) of \(zone) does not answer (\(error.description)): a lame delegation"
                    ))
                continue
            }
            if soa.code == .refused {
                findings.append(
                    .init(
                        .nameServerRefused,
                        "name server \(label) (\(address)) refuses queries for \(zone): a lame delegation"))
                continue
            }
            guard soa.authoritative, let (_, data) = soa.soa else {
                findings.append(
                    .init(
                        .nameServerNotAuthoritative,
                        "name server \(label) (\(address)) is not authoritative for \(zone) (no SOA with the AA bit): a lame delegation"
                    ))
                continue
            }
            serials["\(label) (\(address))"] = data.serial
            guard let answer = try? lookup.ask(server: address, name, type) else { continue }
            let records = answer.answer.filter { $0.owner == name && $0.type == type }
            answers["\(label) (\(address))"] = records.map(\.data.presentation).sorted()
            let signatures = answer.answer.compactMap { record -> RRSIGData? in
                if case .rrsig(let sig) = record.data, sig.typeCovered == type { sig } else { nil }
            }
            if let earliest = signatures.map(\.expirationDate).min() { expiries["\(label) (\(address))"] = earliest }
            if !records.isEmpty
                && !answer.answer.contains(where: {
                    if case .rrsig(let sig) = $0.data { sig.typeCovered == type } else { false }
                })
                && zoneIsSigned(zone)
            {
                unsigned.append("\(label) (\(address))")
            }
        }
        if Set(serials.values).count > 1 {
            findings.append(
                .init(
                    .nameServerSerialDisagreement,
                    "the name servers of \(zone) disagree on the SOA serial ("
                        + serials.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
                        .joined(separator: ", ") + "): one has not caught up, and senders see whichever they ask"))
        }
        if Set(answers.values).count > 1 {
            findings.append(
                .init(
                    .nameServerAnswerDisagreement,
                    "the name servers of \(zone) give different \(name) \(type) answers: "
                        + answers.sorted { $0.key < $1.key }
                        .map { "\($0.key) \($0.value.isEmpty ? "none" : $0.value.joined(separator: " | "))" }.joined(
                            separator: "; ")))
        }
        // A server whose signatures run out a day or more before the others' has not taken the
        // latest signing (a stale secondary): DANE breaks there first.
        if let latest = expiries.values.max() {
            for (server, expiry) in expiries.sorted(by: { $0.key < $1.key })
            where latest.timeIntervalSince(expiry) >= 86_400 {
                findings.append(
                    .init(
                        .nameServerStaleSignatures,
                        "name server \(server) serves \(name) \(type) signatures that expire on \(RFC3339.string(expiry)), "
                            + "before the others' (\(RFC3339.string(latest))): it has not taken the latest signing of \(zone)"
                    ))
            }
        }
        for server in unsigned {
            findings.append(
                .init(
                    .nameServerUnsignedCopy,
                    "name server \(server) serves \(name) \(type) without its RRSIG, though \(zone) is signed: it serves an unsigned copy of the zone"
                ))
        }
        return findings
    }

    /// The zone holding `name` and its servers (name, address), from the zone's NS records
    /// through the resolver, or else from the parent's referral (with its glue).
    func delegation(of name: DNSName) -> (DNSName, [(String, String?)])? {
        var candidate: DNSName? = name
        while let zone = candidate, zone.labels.count >= 2 {
            defer { candidate = DNSName(labels: Array(zone.labels.dropFirst())) }
            let ns = lookup.lookup(zone, .ns)
            if let names = ns.response?.names(ofType: .ns), !names.isEmpty,
                ns.response?.records(ofType: .ns).contains(where: { $0.owner == zone }) == true
            {
                return (
                    zone,
                    Set(names).sorted().flatMap { server in addresses(of: server, glue: []).map { (server.fqdn, $0) } }
                )
            }
            // The resolver could not get the zone's own NS: ask the parent's servers for the referral.
            guard ns.status == .failed || ns.status == .bogus,
                let parent = zone.labels.count > 1 ? DNSName(labels: Array(zone.labels.dropFirst())) : nil
            else { continue }
            for parentServer in (lookup.lookup(parent, .ns).response?.names(ofType: .ns) ?? []) {
                for address in addresses(of: parentServer, glue: []).compactMap({ $0 }) {
                    guard let referral = try? lookup.ask(server: address, zone, .ns) else { continue }
                    let names = (referral.answer + referral.authority).filter { $0.type == .ns && $0.owner == zone }
                        .compactMap { record -> DNSName? in
                            if case .name(let target) = record.data { target } else { nil }
                        }
                    if !names.isEmpty {
                        return (
                            zone,
                            Set(names).sorted().flatMap { server in
                                addresses(of: server, glue: referral.additional).map { (server.fqdn, $0) }
                            }
                        )
                    }
                }
            }
        }
        return nil
    }

    /// The server's addresses: glue first, else through the resolver; [nil] when it has none.
    func addresses(of server: DNSName, glue: [DNSRecord]) -> [String?] {
        let glued = glue.filter { $0.owner == server && ($0.type == .a || $0.type == .aaaa) }
            .compactMap { record -> String? in if case .address(let text) = record.data { text } else { nil } }
        if !glued.isEmpty { return glued }
        let found =
            (lookup.lookup(server, .a).response?.addresses ?? [])
            + (lookup.lookup(server, .aaaa).response?.addresses ?? [])
        return found.isEmpty ? [nil] : found
    }

    func zoneIsSigned(_ zone: DNSName) -> Bool {
        !(lookup.unchecked(zone, .dnskey)?.answer.filter { $0.type == .dnskey }.isEmpty ?? true)
    }
}
