import DaneModel
import DaneSpec
import Foundation

/// What `verify` needs from the command line.
public struct VerifyRequest: Sendable {
    /// Domain names, or danectl YAML descriptions (whose domains are checked, with drift).
    public var targets: [String]
    public var resolver: String?
    public var trustAnchor: String?
    public var options = Verifier.Options()

    public init(targets: [String]) { self.targets = targets }
}

/// `verify` as the CLI calls it: resolve the targets, ask the world, add drift.
public enum VerifyRun {
    public static func run(_ request: VerifyRequest, lookup: (any DNSLookup)? = nil) throws(DiagnosticError) -> [DomainReport] {
        let dns: any DNSLookup
        var modeWarning: String?
        if let lookup { dns = lookup } else {
            let (made, mode) = try SecureLookup.choosing(resolver: request.resolver, trustAnchor: request.trustAnchor, timeout: min(5, request.options.timeout))
            dns = made
            if mode == .builtInRootAnchors {
                modeWarning = "the resolver \(made.resolverName) does not validate DNSSEC (the signed root comes back without the AD bit), so "
                    + "verify validated every answer itself from \(RootAnchors.description); point --resolver at a validating resolver "
                    + "to see what Postfix there would see, or give --trust-anchor"
            }
        }
        // Refuse to report on "everything failed" when the resolver itself is not there.
        guard dns.resolverAnswers() else {
            throw DiagnosticError(.error("resolver-unreachable",
                "the resolver \(request.resolver ?? "from /etc/resolv.conf") does not answer; check --resolver (verify needs a validating resolver)"))
        }
        var domains: [String] = []
        var descriptions: [DomainDescription] = []
        for target in request.targets {
            if target.hasSuffix(".yaml") || target.hasSuffix(".yml") {
                let loaded = try DescriptionLoader.load(path: target)
                descriptions.append(loaded)
                domains += loaded.domains.map(\.name.fqdn)
            } else {
                guard (try? DNSName(hostName: target)) != nil else {
                    throw DiagnosticError(.error("usage-domain-name", "\"\(target)\" is not a domain name"))
                }
                domains.append(target)
            }
        }
        var verifier = Verifier(lookup: dns, options: request.options)
        for description in descriptions {
            for domain in description.domains { if let policy = domain.mtaSTSPolicy { verifier.describedMTASTS[domain.name.fqdn] = policy } }
        }
        var reports = portBlockedWarning(verifier.verify(domains: domains), port: request.options.port)
        if let modeWarning { for index in reports.indices { reports[index].warnings.insert(modeWarning, at: 0) } }
        guard !descriptions.isEmpty else { return reports }
        var drift: [String: [DriftFinding]] = [:]
        let described = Set(descriptions.flatMap { $0.domains.map(\.name.fqdn) })
        for description in descriptions {
            drift.merge(DriftCheck(lookup: dns).compare(try Generator().generate(description).records)) { $0 + $1 }
        }
        for index in reports.indices {
            reports[index].drift = described.contains(reports[index].domain) ? (drift[reports[index].domain] ?? []).sorted() : nil
        }
        return reports
    }

    /// When no address of any MX host accepted a TCP connection, the likeliest cause is this
    /// machine (cloud VMs and CI runners block outbound port 25), not every MX at once: say so.
    static func portBlockedWarning(_ reports: [DomainReport], port: UInt16) -> [DomainReport] {
        let addresses = reports.flatMap { $0.hosts.flatMap(\.addresses) }
        let unconnected = addresses.filter { $0.failure == .connectionFailed && $0.detail.hasPrefix("no SMTP session with") }
        guard addresses.count >= 2, unconnected.count == addresses.count else { return reports }
        let warning = "none of the \(addresses.count) MX addresses accepted a connection to port \(port): port \(port) looks blocked from "
            + "this machine (cloud VMs and CI runners often block it); run verify from the MX's network, or use --dns-only to check DNS and DNSSEC"
        return reports.map { report in
            var warned = report
            warned.warnings.insert(warning, at: 0)
            return warned
        }
    }

    /// DNS problems first, then DANE failures, then "not protected" (the worst over all domains).
    /// With `expectNoChanges`, drift counts as a failure (1) when nothing worse is found.
    public static func status(_ reports: [DomainReport], expectNoChanges: Bool = false) -> ExitStatus {
        let outcomes = Set(reports.map(\.outcome))
        if outcomes.contains(.dnsProblem) { return .verdictDNSProblem }
        if outcomes.contains(.daneFailure) { return .verdictFailure }
        // MTA-STS enforced (or unreadable) and failing: senders that use it do not deliver.
        if reports.contains(where: \.mtaSTSFails) { return .verdictFailure }
        if expectNoChanges && reports.contains(where: { !($0.drift ?? []).isEmpty }) { return .verdictFailure }
        if outcomes.contains(.notProtected) { return .verdictNotProtected }
        return .success
    }
}
