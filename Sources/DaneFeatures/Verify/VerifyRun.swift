import DaneModel
import DaneSpec
import FoundationEssentials

/// What `verify` needs from the command line.
public struct VerifyRequest: Sendable {
    /// Domain names, or danectl YAML descriptions (whose domains are checked, with drift).
    public var targets: [String]
    public var resolver: String?
    public var trustAnchor: String?
    public var options = Verifier.Options()

    public init(targets: [String]) { self.targets = targets }

    /// Whether a target names a description (YAML) rather than a domain.
    public static func isDescription(_ target: String) -> Bool { DescriptionLoader.isDescription(target) }
}

/// `verify` as the CLI calls it: resolve the targets, ask the world, add drift.
public enum VerifyRun {
    /// `finished` hears each domain's report (drift included) as soon as it is known, in the
    /// order they finish; the returned list is in the order asked, with run-wide warnings added.
    public static func run(
        _ request: VerifyRequest, world: World,
        finished: (@Sendable (DomainReport) -> Void)? = nil
    ) throws(DiagnosticError) -> [DomainReport] {
        let (base, mode) = try world.answeringLookup(
            resolver: request.resolver, trustAnchor: request.trustAnchor,
            timeout: request.options.timeout, purpose: "verify needs a validating resolver")
        var modeWarning: VerifyFinding?
        if mode == .builtInRootAnchors {
            let name = (base as? SecureLookup)?.resolverName ?? request.resolver ?? "from /etc/resolv.conf"
            modeWarning = VerifyFinding(
                .resolverNotValidating,
                "the resolver \(name) does not validate DNSSEC (the signed root comes back without the AD bit), so "
                    + "verify validated every answer itself from \(RootAnchors.description); point --resolver at a validating resolver "
                    + "to see what Postfix there would see, or give --trust-anchor")
        }
        // One run asks each DNS question once (for its TTL), however many domains share it.
        let dns = CachingLookup(base, clock: world.clock)
        var domains: [String] = []
        var descriptions: [DomainDescription] = []
        for target in request.targets {
            if DescriptionLoader.isDescription(target) {
                let loaded = try DescriptionLoader.load(path: target)
                descriptions.append(loaded)
                domains += loaded.domains.map(\.name.fqdn)
            } else {
                guard (try? DNSName(hostName: target)) != nil else {
                    throw DiagnosticError(.error(.usage("usage-domain-name"), "\"\(target)\" is not a domain name"))
                }
                domains.append(target)
            }
        }
        var verifier = Verifier(lookup: dns, world: world, options: request.options)
        var drift: [String: [DriftFinding]] = [:]
        for description in descriptions {
            for domain in description.domains {
                if let policy = domain.mtaSTSPolicy { verifier.describedMTASTS[domain.name.fqdn] = policy }
            }
            drift.merge(DriftCheck(lookup: dns).compare(try Generator(now: verifier.now).generate(description).records))
            { $0 + $1 }
        }
        let described = Set(descriptions.flatMap { $0.domains.map(\.name.fqdn) })
        let finalDrift = drift
        let warning = modeWarning
        @Sendable func decorate(_ report: DomainReport) -> DomainReport {
            var decorated = report
            if let warning { decorated.warnings.insert(warning, at: 0) }
            if described.contains(report.domain) { decorated.drift = (finalDrift[report.domain] ?? []).sorted() }
            return decorated
        }
        var relay: (@Sendable (Int, DomainReport) -> Void)?
        if let finished {
            relay = { @Sendable (_: Int, report: DomainReport) in finished(decorate(report)) }
        }
        // Decorated in place: a provider's 100,000 reports are not copied into a second list.
        var reports = verifier.verify(domains: domains, finished: relay)
        if warning != nil || !described.isEmpty {
            for index in reports.indices { reports[index] = decorate(reports[index]) }
        }
        return portBlockedWarning(reports, port: request.options.port)
    }

    /// The run-wide warning `portBlockedWarning` adds to every report, once, for streams that
    /// printed the reports already.
    public static func runWarning(_ reports: [DomainReport], port: UInt16) -> VerifyFinding? {
        // Counted in place, stopping at the first address that connected (a provider's run has
        // hundreds of thousands; a list of them all cost tens of MiB).
        var count = 0
        for report in reports {
            for host in report.hosts {
                for address in host.addresses {
                    guard address.failure == .connectionFailed, !address.reachedSMTP else { return nil }
                    count += 1
                }
            }
        }
        guard count >= 2 else { return nil }
        return VerifyFinding(
            .portBlocked,
            "none of the \(count) MX addresses accepted a connection to port \(port): port \(port) looks blocked from "
                + "this machine (cloud VMs and CI runners often block it); run verify from the MX's network, or use --dns-only to check DNS and DNSSEC"
        )
    }

    /// When no address of any MX host accepted a TCP connection, the likeliest cause is this
    /// machine (cloud VMs and CI runners block outbound port 25), not every MX at once: say so.
    static func portBlockedWarning(_ reports: [DomainReport], port: UInt16) -> [DomainReport] {
        guard let warning = runWarning(reports, port: port) else { return reports }
        var warned = reports
        for index in warned.indices { warned[index].warnings.insert(warning, at: 0) }
        return warned
    }

    /// DNS problems first, then DANE failures, then "not protected" (the worst over all domains).
    /// With `expectNoChanges`, drift counts as a failure (1) when nothing worse is found.
    public static func status(_ reports: [DomainReport], expectNoChanges: Bool = false) -> ExitStatus {
        let outcomes = Set(reports.map(\.outcome))
        if outcomes.contains(.dnsProblem) { return .verdictDNSProblem }
        // DANE failing, or MTA-STS enforced (or unreadable) and failing: senders do not deliver.
        if outcomes.contains(.daneFailure) || outcomes.contains(.mtaSTSFailure) { return .verdictFailure }
        if expectNoChanges && reports.contains(where: { !($0.drift ?? []).isEmpty }) { return .verdictFailure }
        if outcomes.contains(.notProtected) { return .verdictNotProtected }
        return .success
    }
}
