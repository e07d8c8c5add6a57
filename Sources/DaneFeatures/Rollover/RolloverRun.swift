import DaneModel
import DaneSpec
import FoundationEssentials

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
    public let evidenceToWrite: EvidenceUpdate?

    /// The worst state over every host.
    public var worst: RolloverHostResult.State { results.map(\.state).max() ?? .refused }
}

/// The rollover features as the CLI calls them: load, ask the world, judge.
public enum RolloverRun {
    /// `rollover check`: the world's resolver and MX sessions judge the description's hosts.
    public static func check(
        _ request: RolloverRequest, after: Bool, world: World
    ) throws(DiagnosticError) -> RolloverCheckOutcome {
        let description = try DescriptionLoader.load(path: request.file)
        _ = try RolloverChecker.select(description, request.hosts)
        let dns = try lookup(request, world)
        var warnings: [Diagnostic] = []
        let (loaded, problem) = RolloverEvidence.load(path: request.state)
        if let problem {
            warnings.append(.warning("rollover-state-unreadable", problem, at: SourceLocation(file: request.state)))
        }
        var evidence = loaded
        var checker = RolloverChecker(
            lookup: dns, probe: world.keyProbe(timeout: request.timeout), now: request.now ?? world.clock.now())
        checker.publishDelay = request.publishDelay
        checker.recordsEvidence = request.now == nil
        let results = try checker.check(description, hosts: request.hosts, after: after, evidence: &evidence)
        warnings += sameKeyWarnings(results)
        // Write only real-time evidence that changed, and never over a file we could not read.
        let write = request.now == nil && problem == nil && evidence != loaded
        return RolloverCheckOutcome(
            results: results, warnings: warnings,
            evidenceToWrite: write ? EvidenceUpdate(path: request.state, text: evidence.encoded()) : nil)
    }

    /// `rollover plan`: live TTLs through the resolver when one is named (failing when it
    /// cannot be asked), the description's otherwise; first sightings from the evidence.
    public static func plan(
        _ request: RolloverRequest, live: Bool, world: World
    )
        throws(DiagnosticError) -> (steps: [RolloverStep], warnings: [Diagnostic])
    {
        let description = try DescriptionLoader.load(path: request.file)
        let hosts = try RolloverChecker.select(description, request.hosts)
        var warnings: [Diagnostic] = []
        let (evidence, problem) = RolloverEvidence.load(path: request.state)
        if let problem {
            warnings.append(.warning("rollover-state-unreadable", problem, at: SourceLocation(file: request.state)))
        }
        let dns: (any DNSLookup)? =
            live
            ? try lookup(request, world, purpose: "the plan reads the live TTLs; --offline plans without DNS") : nil
        let zones = ZoneAssignment(description: description)
        let planner = RolloverPlanner(now: request.now ?? world.clock.now(), publishDelay: request.publishDelay)
        let steps = try planner.plan(description, hosts: hosts, evidence: evidence) { host throws(DiagnosticError) in
            guard let dns else { return nil }
            let zone = zones.zone(for: host.host, explicit: host.zone).zone
            switch RolloverTimings.live(host.endpoint, zone: zone, lookup: dns, fallback: host.ttl) {
            case .success(let timings): return timings
            case .failure(let failure):
                throw DiagnosticError(
                    .error(
                        .unavailable("unavailable-live-ttl"), "cannot read the live TTLs for \(host.host): \(failure)"))
            }
        }
        for host in hosts where host.next.isEmpty {
            warnings.append(
                .warning("rollover-no-next", "nothing is planned for \(host.host): no next key", at: host.location))
        }
        return (steps, warnings)
    }

    /// The resolver `request` names; `purpose` says, when it does not answer, what needed it.
    static func lookup(
        _ request: RolloverRequest, _ world: World, purpose: String = "the gate needs a validating resolver"
    ) throws(DiagnosticError) -> any DNSLookup {
        try world.answeringLookup(resolver: request.resolver, timeout: request.timeout, purpose: purpose).lookup
    }

    static func sameKeyWarnings(_ results: [RolloverHostResult]) -> [Diagnostic] {
        results.filter { $0.codes.contains("next-is-current") }.map {
            .warning(
                "rollover-next-is-current",
                "\($0.host): `next` holds the same key as `certificate`, so nothing would roll")
        }
    }
}
