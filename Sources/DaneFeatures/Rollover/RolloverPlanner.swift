import DaneModel
import Foundation

/// One step of a certificate rollover, with the earliest time it is safe to take.
public struct RolloverStep: Sendable, Codable {
    public enum Action: String, Sendable, Codable {
        case publishNext = "publish-next"
        case deploy
        case verify
        case retireOld = "retire-old"
    }

    public let host: String
    public let action: Action
    public let earliest: Date
    /// Seconds to wait after the previous step.
    public let waitSeconds: Int
    public let detail: String
}

/// Plans RFC 7671 §8's "current + next" rollover for every host that names a `next` key:
/// publish both hashes, wait until every resolver can have seen them, deploy, verify, and
/// retire the old hash once caches of the old set have expired.
public struct RolloverPlanner {
    /// TTLs seen live, when known; the description's TTLs otherwise.
    public struct LiveTimings: Sendable {
        public let tlsaTTL: UInt32
        /// The zone's negative-caching TTL (SOA minimum, capped by the SOA TTL; RFC 2308).
        public let negativeTTL: UInt32?

        public init(tlsaTTL: UInt32, negativeTTL: UInt32?) {
            self.tlsaTTL = tlsaTTL
            self.negativeTTL = negativeTTL
        }
    }

    public var now: Date
    /// How long the signing and publishing pipeline takes to put a change live (seconds).
    public var publishDelay: TimeInterval

    public init(now: Date, publishDelay: TimeInterval = 0) {
        self.now = now
        self.publishDelay = publishDelay
    }

    /// How long after the next hash is published the new key may go live.
    public static func waitBeforeDeploy(_ timings: LiveTimings, publishDelay: TimeInterval) -> TimeInterval {
        let ttl = TimeInterval(timings.tlsaTTL)
        let negative = TimeInterval(timings.negativeTTL ?? 0)
        return max(2 * ttl, negative + ttl) + publishDelay
    }

    public func plan(_ description: DomainDescription, hosts filter: Set<String>? = nil,
                     timings: (MXHostSpec) -> LiveTimings?) -> [RolloverStep] {
        var steps: [RolloverStep] = []
        for host in description.hosts where !host.next.isEmpty {
            let name = host.host.fqdn
            if let filter, !filter.contains(name), !filter.contains(String(name.dropLast())) { continue }
            let live = timings(host) ?? LiveTimings(tlsaTTL: host.ttl, negativeTTL: nil)
            let wait = Self.waitBeforeDeploy(live, publishDelay: publishDelay)
            let owner = TLSARecordData.ownerName(host: host.host, port: host.port).fqdn
            let deploy = now.addingTimeInterval(wait)
            let retire = deploy.addingTimeInterval(2 * TimeInterval(live.tlsaTTL))
            let why = "2 x TLSA TTL (\(live.tlsaTTL) s)" + (live.negativeTTL.map { ", or negative TTL \($0) s + TTL if longer" } ?? "")
                + (publishDelay > 0 ? ", plus \(Int(publishDelay)) s publishing delay" : "")
            steps += [
                RolloverStep(host: name, action: .publishNext, earliest: now, waitSeconds: 0,
                             detail: "publish the current and next hashes at \(owner) (danectl generate, then sign and load the zone)"),
                RolloverStep(host: name, action: .deploy, earliest: deploy, waitSeconds: Int(wait),
                             detail: "deploy the next certificate once every resolver can have seen both hashes: \(why); "
                                 + "run `danectl rollover check` first, it must exit 0"),
                RolloverStep(host: name, action: .verify, earliest: deploy, waitSeconds: 0,
                             detail: "run `danectl rollover check --after` and `danectl verify`: the new key must match on every address"),
                RolloverStep(host: name, action: .retireOld, earliest: retire, waitSeconds: Int(2 * TimeInterval(live.tlsaTTL)),
                             detail: "move `next` to `certificate` in the description and publish: the old hash goes once caches of the old set have expired"),
            ]
        }
        return steps
    }
}
