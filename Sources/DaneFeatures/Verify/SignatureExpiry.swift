import DaneModel
import FoundationEssentials

/// Which RRSIGs a verdict rests on run out soon: the answers themselves and every DNSKEY and
/// DS up the validation path, one warning per signing zone.
extension Verifier {
    /// The first RRSIG to expire among the answers the verdict rests on and the DNSKEY and DS
    /// RRsets up their validation path (the run's cache makes these lookups free: they were
    /// all asked already).
    func earliestSignatureExpiry(_ mx: DNSResponse?, _ plans: [HostPlan]) -> Date? {
        var responses: [DNSResponse?] = [mx]
        for plan in plans {
            responses.append(lookup.lookup(plan.endpoint.host, .a).response)
            if plan.tlsaStatus == .secure { responses.append(lookup.lookup(plan.endpoint.owner, .tlsa).response) }
        }
        let earliest = responses.compactMap { $0 }.flatMap(\.signatures).map(\.expirationDate).min()
        let zones = Self.zoneCandidates(plans.map(\.endpoint.host)).compactMap { zoneSignatures($0).earliest }
        return (zones + [earliest].compactMap { $0 }).min()
    }

    /// Every zone cut candidate from `names` up to the root, once each, in order.
    static func zoneCandidates(_ names: [DNSName]) -> [DNSName] {
        var ordered: [DNSName] = []
        var seen = Set<DNSName>()
        for name in names {
            var apex: DNSName? = name
            while let current = apex {
                if seen.insert(current).inserted { ordered.append(current) }
                apex = current.labels.isEmpty ? nil : DNSName(labels: Array(current.labels.dropFirst()))
            }
        }
        return ordered
    }

    /// Signatures further up the validation path that run out soon: each zone cut's DNSKEY and
    /// DS RRsets, from the names checked up to the root. A lapse anywhere there turns the
    /// answers bogus.
    func pathExpiringSignatures(for names: [DNSName]) -> [ExpiringSignature] {
        // Each zone is checked once a minute at most, whichever domain asks: a provider's
        // domains share their parent, TLD and root. The zones no domain has checked yet are
        // asked side by side when there are several (a slow name server costs its lookups once,
        // not once per name in turn); the rest are answered here.
        let zones = Self.zoneCandidates(names)
        let new = zones.filter { !zoneSignatureCache.isReady($0) }
        if new.count > 1 {
            _ = ProbeRunner(limit: options.concurrency).run(new.count) { self.zoneSignatures(new[$0]) }
        }
        return zones.flatMap { zoneSignatures($0).expiring }
    }

    /// What a zone's own DNSKEY RRSIGs and its DS RRSIGs in the parent say, when the name is a
    /// signed zone's apex (nothing otherwise).
    struct ZoneSignatures: Sendable {
        /// The ones that run out within --warn-days.
        var expiring: [ExpiringSignature] = []
        /// The first to run out.
        var earliest: Date?
    }

    /// `ZoneSignatures` of `zone`, worked out once a minute at most for all the domains that
    /// ask (a provider's domains share their MX hosts' zones, their TLD and the root).
    func zoneSignatures(_ zone: DNSName) -> ZoneSignatures {
        zoneSignatureCache.value(for: zone, lifetime: { _ in 60 }) {
            let dnskey = lookup.lookup(zone, .dnskey)
            guard dnskey.status == .secure, !(dnskey.response?.records(ofType: .dnskey).isEmpty ?? true) else {
                return ZoneSignatures()
            }
            let ds = zone.labels.isEmpty ? nil : lookup.lookup(zone, .ds).response
            return ZoneSignatures(
                expiring: expiringSignatures(dnskey.response, what: "the DNSKEY records of \(zone)")
                    + expiringSignatures(ds, what: "the DS records of \(zone) in its parent"),
                earliest: [dnskey.response, ds].compactMap { $0 }.flatMap(\.signatures).map(\.expirationDate).min())
        }
    }

    /// An RRSIG the verdict rests on that expires within --warn-days: which zone signed it
    /// (the one to re-sign), when, and over what.
    struct ExpiringSignature: Sendable, Hashable {
        let signer: DNSName
        let expires: Date
        let what: String
    }

    func expiringSignatures(_ response: DNSResponse?, what: String) -> [ExpiringSignature] {
        guard let response else { return [] }
        let limit = now.addingTimeInterval(TimeInterval(options.warnDays) * 86_400)
        return response.signatures.filter { $0.expirationDate < limit }.map {
            ExpiringSignature(signer: $0.signer, expires: $0.expirationDate, what: what)
        }
    }

    /// One warning per signing zone, however many of its RRsets expire: a freshly signed zone
    /// expires all at once, and that is one thing to do (re-sign that zone).
    func signatureWarnings(_ expiring: [ExpiringSignature]) -> [VerifyFinding] {
        Dictionary(grouping: Set(expiring), by: \.signer).sorted { $0.key < $1.key }.map { signer, signatures in
            let first = signatures.min { ($0.expires, $0.what) < ($1.expires, $1.what) }!
            let zone = signer.labels.isEmpty ? "the root zone" : "zone \(signer)"
            return VerifyFinding(
                .signatureExpiring,
                signatures.count == 1
                    ? "the signature over \(first.what) expires on \(RFC3339.string(first.expires)); re-sign \(zone) before then"
                    : "\(signatures.count) signatures of \(zone) expire within \(options.warnDays) days, the earliest on \(RFC3339.string(first.expires)) "
                        + "(over \(first.what)); re-sign \(zone) before then")
        }
    }
}
