import DaneModel
import FoundationEssentials

/// Plans RFC 7671 §8's "current + next" rollover for every host that names a `next` key:
/// publish both hashes, wait until every resolver can have seen them, deploy, verify, and
/// retire the old hash once caches of the old set have expired. Reads the same evidence as
/// `rollover check`, so both name the same earliest deploy time.
public struct RolloverPlanner: Sendable {
    public var now: Date
    /// How long the signing and publishing pipeline takes to put a change live (seconds).
    public var publishDelay: TimeInterval

    public init(now: Date, publishDelay: TimeInterval = 0) {
        self.now = now
        self.publishDelay = publishDelay
    }

    /// `timings`: live TTLs for a host (nil: the description's TTL). Hosts without a next key
    /// are left out.
    public func plan(
        _ description: DomainDescription, hosts: [MXHostSpec], evidence: RolloverEvidence,
        timings: (MXHostSpec) throws(DiagnosticError) -> RolloverTimings?
    ) throws(DiagnosticError) -> [RolloverStep] {
        let keys = RolloverKeys(now: now)
        var steps: [RolloverStep] = []
        for host in hosts where !host.next.isEmpty {
            let name = host.host.fqdn
            let live = try timings(host) ?? RolloverTimings(tlsaTTL: host.ttl, negativeTTL: nil)
            let wait = live.waitBeforeDeploy(publishDelay: publishDelay)
            let owner = host.endpoint.owner.fqdn
            let next = try keys.sets(for: host).next
            let seen = next.isEmpty ? now : evidence.publishedSince(host.endpoint, next)
            let published = seen ?? now
            let deploy = max(now, published.addingTimeInterval(wait))
            let retire = deploy.addingTimeInterval(live.waitBeforeRetire)
            let why =
                "2 x TLSA TTL (\(live.tlsaTTL) s)"
                + (live.negativeTTL.map { ", or negative TTL \($0) s + TTL if longer" }
                    ?? " from the description, offline; `rollover check` also counts the zone's negative TTL")
                + (publishDelay > 0 ? ", plus \(Int(publishDelay)) s publishing delay" : "")
            let publishDetail =
                seen.map {
                    "the current and next hashes at \(owner) have been seen published everywhere since "
                        + "\(RFC3339.string($0)) (recorded by rollover check)"
                }
                ?? "publish the current and next hashes at \(owner) (danectl generate, then sign and load the zone)"
            steps += [
                RolloverStep(
                    host: name, action: .publishNext, earliest: min(now, published), waitSeconds: 0,
                    detail: publishDetail),
                RolloverStep(
                    host: name, action: .deploy, earliest: deploy,
                    waitSeconds: Int(deploy.timeIntervalSince(published)),
                    detail: "deploy the next certificate once every resolver can have seen both hashes: \(why); "
                        + "run `danectl rollover check` first, it must exit 0"),
                RolloverStep(
                    host: name, action: .verify, earliest: deploy, waitSeconds: 0,
                    detail:
                        "run `danectl rollover check --after` and `danectl verify`: the new key must match on every address"
                ),
                RolloverStep(
                    host: name, action: .retireOld, earliest: retire, waitSeconds: Int(live.waitBeforeRetire),
                    detail:
                        "move `next` to `certificate` in the description and publish: the old hash goes once caches of the old set have expired"
                ),
            ]
        }
        return steps
    }
}
