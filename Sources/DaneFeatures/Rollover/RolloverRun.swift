import DaneModel
import DaneSpec
import Foundation

/// What `rollover check` and `rollover plan` need from the command line.
public struct RolloverRequest: Sendable {
    public var file: String
    public var hosts: [String] = []
    /// The validating resolver (`IP[:PORT]`), nil for the system's.
    public var resolver: String?
    /// Where first-seen evidence is kept; default `<file>.rollover.json`.
    public var statePath: String?
    public var timeout: TimeInterval = 20
    public var publishDelay: TimeInterval = 0
    /// A rehearsal time: the result is computed for it, and no evidence is written.
    public var now: Date?

    public init(file: String) { self.file = file }

    public var state: String { statePath ?? file + ".rollover.json" }
}

/// The result of `rollover check`, with the evidence file to write (nil: leave it alone).
public struct RolloverCheckOutcome: Sendable {
    public let results: [RolloverHostResult]
    public let warnings: [Diagnostic]
    public let evidenceToWrite: (path: String, text: String)?

    /// The worst state over every host.
    public var worst: RolloverHostResult.State { results.map(\.state).max() ?? .refused }
}

/// The rollover features as the CLI calls them: load, ask the world, judge.
public enum RolloverRun {
    /// `rollover check`. `lookup` and `probe` default to the real resolver and STARTTLS.
    public static func check(_ request: RolloverRequest, after: Bool, lookup: (any DNSLookup)? = nil,
                             probe: (any KeyProbe)? = nil) throws(DiagnosticError) -> RolloverCheckOutcome {
        let description = try DescriptionLoader.load(path: request.file)
        _ = try RolloverChecker.select(description, request.hosts)
        let dns: any DNSLookup
        if let lookup { dns = lookup } else { dns = try makeLookup(request) }
        try requireResolver(dns, request)
        var warnings: [Diagnostic] = []
        let (loaded, problem) = RolloverEvidence.load(path: request.state)
        if let problem { warnings.append(.warning("rollover-state-unreadable", problem, at: SourceLocation(file: request.state))) }
        var evidence = loaded
        var checker = RolloverChecker(lookup: dns, probe: probe ?? STARTTLSKeyProbe(timeout: request.timeout), now: request.now ?? Date())
        checker.publishDelay = request.publishDelay
        checker.recordsEvidence = request.now == nil
        let results = try checker.check(description, hosts: request.hosts, after: after, evidence: &evidence)
        warnings += sameKeyWarnings(results)
        // Write only real-time evidence that changed, and never over a file we could not read.
        let write = request.now == nil && problem == nil && evidence != loaded
        return RolloverCheckOutcome(results: results, warnings: warnings,
                                    evidenceToWrite: write ? (request.state, evidence.encoded()) : nil)
    }

    /// `rollover plan`: live TTLs through the resolver when one is named (failing when it
    /// cannot be asked), the description's otherwise; first sightings from the evidence.
    public static func plan(_ request: RolloverRequest, live: Bool, lookup: (any DNSLookup)? = nil)
        throws(DiagnosticError) -> (steps: [RolloverStep], warnings: [Diagnostic]) {
        let description = try DescriptionLoader.load(path: request.file)
        let hosts = try RolloverChecker.select(description, request.hosts)
        var warnings: [Diagnostic] = []
        let (evidence, problem) = RolloverEvidence.load(path: request.state)
        if let problem { warnings.append(.warning("rollover-state-unreadable", problem, at: SourceLocation(file: request.state))) }
        var dns: (any DNSLookup)?
        if live {
            let made: any DNSLookup
            if let lookup { made = lookup } else { made = try makeLookup(request) }
            try requireResolver(made, request)
            dns = made
        }
        let zones = ZoneAssignment(description: description)
        let planner = RolloverPlanner(now: request.now ?? Date(), publishDelay: request.publishDelay)
        let steps = try planner.plan(description, hosts: hosts, evidence: evidence) { host throws(DiagnosticError) in
            guard let dns else { return nil }
            let zone = zones.zone(for: host.host, explicit: host.zone).zone
            switch RolloverTimings.live(host.endpoint, zone: zone, lookup: dns, fallback: host.ttl) {
            case .success(let timings): return timings
            case .failure(let failure):
                throw DiagnosticError(.error("unavailable-live-ttl", "cannot read the live TTLs for \(host.host): \(failure)"))
            }
        }
        for host in hosts where host.next.isEmpty {
            warnings.append(.warning("rollover-no-next", "nothing is planned for \(host.host): no next key", at: host.location))
        }
        return (steps, warnings)
    }

    static func makeLookup(_ request: RolloverRequest) throws(DiagnosticError) -> any DNSLookup {
        try SecureLookup.choosing(resolver: request.resolver, trustAnchor: nil, timeout: min(5, request.timeout)).0
    }

    static func requireResolver(_ dns: any DNSLookup, _ request: RolloverRequest) throws(DiagnosticError) {
        guard dns.resolverAnswers() else {
            throw DiagnosticError(.error("resolver-unreachable",
                "the resolver \(request.resolver ?? "from /etc/resolv.conf") does not answer; check --resolver (the gate needs a validating resolver)"))
        }
    }

    static func sameKeyWarnings(_ results: [RolloverHostResult]) -> [Diagnostic] {
        results.filter { $0.codes.contains("next-is-current") }.map {
            .warning("rollover-next-is-current", "\($0.host): `next` holds the same key as `certificate`, so nothing would roll")
        }
    }
}
