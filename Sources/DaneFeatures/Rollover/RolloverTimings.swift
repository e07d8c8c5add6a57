import DaneModel
import FoundationEssentials

/// The TTLs a rollover waits on, and the one rule for how long: after the next hash is
/// published, a resolver may still hold the old TLSA set for one TTL, or a "no such record"
/// answer for the negative TTL (RFC 2308); twice the TTL (RFC 7671 §8.1) covers a set cached
/// just before publication, plus however long the pipeline takes to put a change live.
public struct RolloverTimings: Sendable, Equatable {
    public let tlsaTTL: UInt32
    /// The zone's negative-caching TTL: SOA minimum, capped by the SOA record's TTL.
    public let negativeTTL: UInt32?

    public init(tlsaTTL: UInt32, negativeTTL: UInt32?) {
        self.tlsaTTL = tlsaTTL
        self.negativeTTL = negativeTTL
    }

    /// How long after the next hash is (first seen) published the new key may go live.
    public func waitBeforeDeploy(publishDelay: TimeInterval) -> TimeInterval {
        let ttl = TimeInterval(tlsaTTL)
        return max(2 * ttl, TimeInterval(negativeTTL ?? 0) + ttl) + publishDelay
    }

    /// How long after the new key went live the old hash may go (a rollback stays possible
    /// until caches of the set with both hashes have turned over).
    public var waitBeforeRetire: TimeInterval { 2 * TimeInterval(tlsaTTL) }

    /// TTLs as the zone publishes them, through the validating resolver: the TLSA RRset's
    /// original TTL (from its RRSIG) and the zone's negative TTL. Nil when the resolver gave
    /// no usable answer; `fallback` (the description's TTL) when the set does not exist yet.
    public static func live(
        _ endpoint: TLSAEndpoint, zone: DNSName, lookup: any DNSLookup, fallback: UInt32
    )
        -> Result<RolloverTimings, LiveTimingsFailure>
    {
        let tlsa = lookup.lookup(endpoint.owner, .tlsa)
        guard tlsa.status == .secure || tlsa.status == .insecure, let tlsaResponse = tlsa.response else {
            return .failure(LiveTimingsFailure(description: "\(endpoint.owner) TLSA: \(tlsa.problem ?? "no answer")"))
        }
        let soa = lookup.lookup(zone, .soa)
        guard soa.status == .secure || soa.status == .insecure, let soaResponse = soa.response,
            let (record, data) = soaResponse.soa
        else {
            return .failure(
                LiveTimingsFailure(description: "\(zone) SOA: \(soa.problem ?? "no SOA record in the answer")"))
        }
        let negative = min(data.minimum, soaResponse.originalTTL(of: .soa) ?? record.ttl)
        return .success(
            RolloverTimings(tlsaTTL: tlsaResponse.originalTTL(of: .tlsa) ?? fallback, negativeTTL: negative))
    }
}

public struct LiveTimingsFailure: Error, Sendable, CustomStringConvertible {
    public let description: String
}
