import DaneModel
import FoundationEssentials

/// `rollover check`: the pre-renewal gate, and with `after` the post-deploy confirmation.
///
/// Before: deploying the next key is safe only when its hash is published, DNSSEC-secure, at
/// the validating resolver and on every authoritative server (same SOA serial), has been seen
/// so for long enough (the evidence), and the current key still matches what every MX
/// address serves. After: the key every address serves now matches a secure TLSA record that
/// every authoritative server serves and that was published long enough before it went live.
/// Anything that could not be checked is not safe.
public struct RolloverChecker: Sendable {
    public let lookup: any DNSLookup
    public let probe: any KeyProbe
    public let now: Date
    /// Seconds the signing and publishing pipeline needs to put a change live.
    public var publishDelay: TimeInterval = 0
    /// False for rehearsals (`--now`): a pretend time must never become evidence.
    public var recordsEvidence = true

    public init(lookup: any DNSLookup, probe: any KeyProbe, now: Date) {
        self.lookup = lookup
        self.probe = probe
        self.now = now
    }

    /// The hosts `filter` names (all when empty); a name the description does not have is a
    /// usage error, since nothing would be checked for it.
    public static func select(
        _ description: DomainDescription, _ filter: [String]
    ) throws(DiagnosticError) -> [MXHostSpec] {
        guard !filter.isEmpty else { return description.hosts }
        var chosen: [MXHostSpec] = []
        var unknown: [Diagnostic] = []
        for name in filter {
            let wanted = DNSName(presentation: name)
            if let host = description.hosts.first(where: { $0.host == wanted }) {
                if !chosen.contains(where: { $0.host == host.host }) { chosen.append(host) }
            } else {
                let known = description.hosts.map { String($0.host.fqdn.dropLast()) }.joined(separator: ", ")
                unknown.append(
                    .error(
                        .usage("usage-unknown-host"),
                        "--host \(name) is not an MX host of \(description.file) (its hosts: \(known))"))
            }
        }
        if !unknown.isEmpty { throw DiagnosticError(unknown) }
        return chosen
    }

    public func check(
        _ description: DomainDescription, hosts filter: [String] = [], after: Bool,
        evidence: inout RolloverEvidence
    ) throws(DiagnosticError) -> [RolloverHostResult] {
        let keys = RolloverKeys(now: now)
        let zones = ZoneAssignment(description: description)
        var results: [RolloverHostResult] = []
        for host in try Self.select(description, filter) {
            // After a managed deploy the files have moved on; judge it by the sets it was deployed under.
            let deployed = after ? try keys.setsAsDeployed(for: host) : nil
            let sets: RolloverKeys.Sets
            if let deployed { sets = deployed } else { sets = try keys.sets(for: host) }
            let zone = zones.zone(for: host.host, explicit: host.zone).zone
            var context = HostContext(host: host, zone: zone, sets: sets)
            context.managedDeploy = deployed != nil
            guard !sets.next.isEmpty || sets.nextIsCurrent else {
                results.append(
                    context.result(
                        .refused,
                        [
                            .init(
                                "no-next-key",
                                "nothing is planned for \(host.host): no next key (add `next:` to the host in \(description.file))"
                            )
                        ]))
                continue
            }
            results.append(after ? confirmDeployed(context, evidence: evidence) : gate(context, evidence: &evidence))
        }
        return results
    }

    /// Why `now` cannot be this machine's true time, judged by signatures a validating resolver
    /// accepted a moment ago: before their inception or after their expiration (with five
    /// minutes' slack for clocks that are merely a little off). nil when it agrees, or with no
    /// signatures to judge by.
    static func clockDisagreement(_ now: Date, _ signatures: [RRSIGData]) -> String? {
        let slack: TimeInterval = 300
        if let latest = signatures.map({ RRSIGData.date($0.inception) }).max(), now < latest.addingTimeInterval(-slack)
        {
            return
                "this machine's clock says \(RFC3339.string(now)), before the inception (\(RFC3339.string(latest))) of the TLSA signatures "
                + "the resolver just validated: a first sighting dated by it is no evidence; set the clock right (NTP) and check again"
        }
        if let earliest = signatures.map({ RRSIGData.date($0.expiration) }).min(),
            now > earliest.addingTimeInterval(slack)
        {
            return
                "this machine's clock says \(RFC3339.string(now)), after the expiration (\(RFC3339.string(earliest))) of the TLSA signatures "
                + "the resolver just validated: a first sighting dated by it is no evidence; set the clock right (NTP) and check again"
        }
        return nil
    }

    struct HostContext {
        let host: MXHostSpec
        let zone: DNSName
        let sets: RolloverKeys.Sets
        /// `rollover deploy` replaced the files (judged by the sets it deployed under).
        var managedDeploy = false
        var endpoint: TLSAEndpoint { host.endpoint }

        func result(
            _ state: RolloverHostResult.State, _ findings: [RolloverFinding], earliest: Date? = nil,
            published: Bool = false
        ) -> RolloverHostResult {
            RolloverHostResult(
                host: host.host.fqdn, state: state, findings: findings, earliestSafe: earliest,
                nextRecords: sets.next.map(\.description), publishedEverywhere: published)
        }
    }

    // MARK: - Before deploying

    func gate(_ context: HostContext, evidence: inout RolloverEvidence) -> RolloverHostResult {
        let owner = context.endpoint.owner
        let next = context.sets.next
        if context.sets.nextIsCurrent {
            return context.result(
                .safe,
                [
                    .init(
                        "next-is-current",
                        "the next key is the key in service (same public key): deploying it changes no TLSA record, so there is nothing to wait for"
                    )
                ],
                earliest: now, published: true)
        }
        // 1. The validating resolver: secure, carrying every next hash and every key in service.
        let answer = lookup.lookup(owner, .tlsa)
        switch answer.status {
        case .bogus, .failed:
            return context.result(
                .dnsProblem, [.init("tlsa-lookup-failed", "\(owner) TLSA: \(answer.problem ?? "the lookup failed")")])
        case .insecure:
            evidence.forget(context.endpoint, next)
            return context.result(
                .unsafe,
                [
                    .init(
                        "tlsa-not-secure",
                        "\(owner) is not DNSSEC-secure, so senders ignore its TLSA records; sign the zone \(context.zone) and publish its DS first"
                    )
                ])
        case .secure:
            break
        }
        let live = Set(answer.response?.tlsa ?? [])
        let missing = next.filter { !live.contains($0) }
        if !missing.isEmpty {
            evidence.forget(context.endpoint, next)
            return context.result(
                .unsafe,
                missing.map {
                    .init(
                        "next-not-published",
                        "the next hash is not published: \(owner) IN TLSA \($0) (publish it with danectl generate, then wait)"
                    )
                })
        }
        let uncovered = context.sets.current.filter { !live.contains($0) }
        if !uncovered.isEmpty {
            return context.result(
                .unsafe,
                uncovered.map {
                    .init(
                        "current-not-covered",
                        "a key in service is not covered: \(owner) IN TLSA \($0) is missing; senders that negotiate "
                            + "that certificate fail today (publish it before anything else)")
                })
        }
        // Pre-flight (RFC 7671 §8-9): every usable usage/selector/matching type in the live set
        // needs a record for the key in service, or senders that pick that combination fail.
        for parameters in Set(live.filter { SMTPUsability.verdict(for: $0).isUsable }.map(\.parameters)).sorted() {
            for expected in context.sets.currentRecords(parameters) where !live.contains(expected) {
                return context.result(
                    .unsafe,
                    [
                        .init(
                            "combination-not-covered",
                            "the live set has \(parameters) records but none for the key in service (\(expected)); senders that choose "
                                + "\(parameters) would fail (RFC 7671 §9): publish it or drop that combination")
                    ])
            }
        }

        // 2. Every authoritative server, asked directly, serving the next hashes, one SOA serial.
        let authority = AuthorityCheck(lookup: lookup).check(context.zone, owner: owner, serving: next)
        if let failure = authority.failure { return context.result(failure.state, failure.findings) }
        if !authority.missing.isEmpty {
            evidence.forget(context.endpoint, next)
            return context.result(.unsafe, authority.missing)
        }
        if let disagreement = authority.serialDisagreement { return context.result(.unsafe, [disagreement]) }

        // 3. The current key must still be what every MX address serves.
        let served = probeAddresses(context.host, records: context.sets.current, expectation: "the current key")
        if let failure = served.failure { return context.result(failure.state, failure.findings) }

        // 4. Published everywhere: record the sighting (real time only), then judge the wait.
        // A clock that disagrees with the signatures the resolver just validated would date the
        // sighting wrongly (a day behind opens the gate a day early): that is no evidence.
        if recordsEvidence,
            let skew = Self.clockDisagreement(now, answer.response?.signatures.filter { $0.typeCovered == .tlsa } ?? [])
        {
            return context.result(.unsafe, [.init("clock-disagrees", skew)])
        }
        if recordsEvidence { evidence.sawPublished(context.endpoint, next, at: now) }
        let timings = RolloverTimings(
            tlsaTTL: max(answer.response?.originalTTL(of: .tlsa) ?? 0, authority.largestTTL),
            negativeTTL: authority.negativeTTL)
        let wait = timings.waitBeforeDeploy(publishDelay: publishDelay)
        let why =
            "2 x TTL \(timings.tlsaTTL) s"
            + (timings.negativeTTL.map { ", or negative TTL \($0) s + TTL if longer" } ?? "")
            + (publishDelay > 0 ? ", plus \(Int(publishDelay)) s publishing delay" : "")
        guard let seen = evidence.publishedSince(context.endpoint, next) else {
            let earliest = now.addingTimeInterval(wait)
            return context.result(
                .wait,
                [
                    .init(
                        "no-evidence-yet",
                        "the next hash is published everywhere, but no real-time check has recorded it yet (a rehearsal with --now "
                            + "records nothing): run `danectl rollover check` without --now; deploying is safe from \(RFC3339.string(earliest)) at the earliest (\(why))"
                    )
                ],
                earliest: earliest, published: true)
        }
        let earliest = seen.addingTimeInterval(wait)
        if earliest > now {
            return context.result(
                .wait,
                [
                    .init(
                        "waiting-for-caches",
                        "the next hash has been seen fully published since \(RFC3339.string(seen)); resolvers may still cache "
                            + "the old set until \(RFC3339.string(earliest)) (\(why)); \(Int((earliest.timeIntervalSince(now)).rounded(.up))) s to go"
                    )
                ],
                earliest: earliest, published: true)
        }
        return context.result(
            .safe,
            [
                .init(
                    "safe",
                    "the next hash is published everywhere and has been since \(RFC3339.string(seen)); the current key still matches on every address"
                )
            ],
            earliest: earliest, published: true)
    }

    // MARK: - After deploying

    /// The post-deploy check with the key sets as they were before the files changed (after
    /// `rollover deploy` swaps them, the description's `certificate:` already holds the new key).
    func confirmDeployed(
        _ host: MXHostSpec, zone: DNSName, sets: RolloverKeys.Sets, evidence: RolloverEvidence
    ) -> RolloverHostResult {
        confirmDeployed(HostContext(host: host, zone: zone, sets: sets), evidence: evidence)
    }

    func confirmDeployed(_ context: HostContext, evidence: RolloverEvidence) -> RolloverHostResult {
        let owner = context.endpoint.owner
        let answer = lookup.lookup(owner, .tlsa)
        switch answer.status {
        case .bogus, .failed:
            return context.result(
                .dnsProblem, [.init("tlsa-lookup-failed", "\(owner) TLSA: \(answer.problem ?? "the lookup failed")")])
        case .insecure:
            return context.result(
                .unsafe,
                [
                    .init(
                        "tlsa-not-secure",
                        "\(owner) is not DNSSEC-secure, so senders do not use DANE for \(context.host.host): sign the zone \(context.zone) and publish its DS"
                    )
                ])
        case .secure:
            break
        }
        // What senders see: the usable records of the live, secure set.
        let live = (answer.response?.tlsa ?? []).filter { SMTPUsability.verdict(for: $0).isUsable }
        guard !live.isEmpty else {
            return context.result(
                .unsafe,
                [
                    .init(
                        "no-usable-tlsa",
                        "5.7.323 tlsa-invalid: \(owner) has no usable TLSA record; senders defer mail to \(context.host.host): publish \(owner) IN TLSA \(context.sets.next[0])"
                    )
                ])
        }
        let served = probeAddresses(context.host, records: live, expectation: "a key of the live TLSA set")
        if let failure = served.failure { return context.result(failure.state, failure.findings) }

        var findings: [RolloverFinding] = []
        let next = Set(context.sets.next), current = Set(context.sets.current)
        for (address, record) in served.matches.sorted(by: { $0.key < $1.key }) where !next.contains(record) {
            findings.append(
                current.contains(record)
                    ? .init(
                        "new-key-not-live",
                        "\(context.host.host) [\(address)] still serves the current key (\(record) matches): the new key is not live there yet"
                    )
                    : .init(
                        "served-key-unknown",
                        "\(context.host.host) [\(address)] serves a key that is neither the current nor the next key of the "
                            + "description (it matches \(owner) IN TLSA \(record)): update the description, or deploy the planned certificate"
                    ))
        }
        if !findings.isEmpty { return context.result(.unsafe, findings) }

        let matched = Array(Set(served.matches.values)).sorted()
        let authority = AuthorityCheck(lookup: lookup).check(context.zone, owner: owner, serving: matched)
        if let failure = authority.failure { return context.result(failure.state, failure.findings) }
        if !authority.missing.isEmpty {
            return context.result(
                .unsafe,
                authority.missing.map {
                    .init(
                        $0.code,
                        "5.7.323 tlsa-invalid for senders that ask this server: " + $0.message
                            + "; it must serve the record before the key goes live")
                })
        }
        let timings = RolloverTimings(
            tlsaTTL: max(answer.response?.originalTTL(of: .tlsa) ?? 0, authority.largestTTL),
            negativeTTL: authority.negativeTTL)
        let wait = timings.waitBeforeDeploy(publishDelay: publishDelay)
        guard let seen = evidence.publishedSince(context.endpoint, matched) else {
            return context.result(
                .unsafe,
                [
                    .init(
                        "no-evidence",
                        "the new key is live, but no check recorded when \(owner) IN TLSA \(matched.map(\.description).joined(separator: ", ")) "
                            + "was first published, so resolvers may still hold a set without it (5.7.323 tlsa-invalid for their senders): "
                            + "run `danectl rollover check` before deploying, and put the previous certificate back until it says SAFE"
                    )
                ])
        }
        let safeFrom = seen.addingTimeInterval(wait)
        if safeFrom > now {
            return context.result(
                .unsafe,
                [
                    .init(
                        "deployed-too-early",
                        "the new key went live before caches could hold its hash: \(owner) TLSA has been published since \(RFC3339.string(seen)), "
                            + "so senders with the old set cached defer mail with 5.7.323 tlsa-invalid until \(RFC3339.string(safeFrom)) "
                            + "(\(Int(safeFrom.timeIntervalSince(now).rounded(.up))) s): put the previous certificate back until then"
                    )
                ], earliest: safeFrom)
        }
        let retire = now.addingTimeInterval(timings.waitBeforeRetire)
        // `rollover deploy` already moved the files (the description never changes); by hand, the description moves.
        let howToRetire =
            context.managedDeploy
            ? "publish again (danectl generate, sign, load): the old hash goes and the fresh next key's hash comes"
            : "move `next` to `certificate` and publish"
        return context.result(
            .safe,
            [
                .init(
                    "deployed",
                    "the new key is live on every address and matches \(owner) IN TLSA \(matched.map(\.description).joined(separator: ", ")), "
                        + "published since \(RFC3339.string(seen)); retire the old hash from \(RFC3339.string(retire)) (\(howToRetire))"
                )
            ],
            earliest: retire, published: true)
    }

    // MARK: - Probing every address

    struct ProbeSummary {
        var matches: [String: TLSARecordData] = [:]
        var failure: (state: RolloverHostResult.State, findings: [RolloverFinding])?
    }

    /// Probes every address of the host with `records` as the TLSA set.
    func probeAddresses(_ spec: MXHostSpec, records: [TLSARecordData], expectation: String) -> ProbeSummary {
        var summary = ProbeSummary()
        let host = spec.host
        var addresses: [String] = []
        for type in [RRType.a, .aaaa] {
            let answer = lookup.lookup(host, type)
            if answer.status == .bogus || answer.status == .failed {
                summary.failure = (
                    .dnsProblem,
                    [.init("address-lookup-failed", "\(host) \(type): \(answer.problem ?? "the lookup failed")")]
                )
                return summary
            }
            addresses += answer.response?.addresses ?? []
        }
        guard !addresses.isEmpty else {
            summary.failure = (
                .unsafe, [.init("no-addresses", "\(host) has no A or AAAA records, so no key could be checked")]
            )
            return summary
        }
        var unsafe: [RolloverFinding] = [], unreachable: [RolloverFinding] = []
        for address in addresses {
            let served = probe.probe(address: address, endpoint: spec.endpoint, records: records)
            switch served.outcome {
            case .matched(let record):
                summary.matches[address] = record
            case .mismatched:
                let presented = served.presentedSPKISHA256.map(Hex.encode) ?? "unknown"
                unsafe.append(
                    .init(
                        "key-mismatch",
                        "5.7.323 tlsa-invalid: \(host) [\(address)] port \(spec.endpoint.port) does not present "
                            + "\(expectation): its key's 3 1 1 is \(presented) (publish \(spec.endpoint.owner) IN TLSA 3 1 1 \(presented), "
                            + "or serve a key the set names)"))
            case .failed(let why):
                unsafe.append(.init("probe-failed", "\(host) [\(address)] port \(spec.endpoint.port): \(why)"))
            case .unreachable(let why):
                unreachable.append(
                    .init(
                        "mx-unreachable", "\(host) [\(address)] port \(spec.endpoint.port) could not be checked: \(why)"
                    ))
            }
        }
        if !unsafe.isEmpty {
            summary.failure = (.unsafe, unsafe + unreachable)
        } else if !unreachable.isEmpty {
            summary.failure = (.unavailable, unreachable)
        }
        return summary
    }

}
