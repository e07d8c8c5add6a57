import DaneModel
import FoundationEssentials

/// Which RRSIGs a verdict rests on run out soon: the answers themselves and every DNSKEY and
/// DS up the validation path, one warning per signing zone.
extension Verifier {
    /// Signatures further up the validation path: each zone cut's DNSKEY and DS RRsets, from
    /// the names checked up to the root. A lapse anywhere there turns the answers bogus.
    /// The first RRSIG to expire among the answers the verdict rests on (the run's cache makes
    /// these lookups free: they were all asked already).
    func earliestSignatureExpiry(_ mx: DNSResponse?, _ plans: [HostPlan]) -> Date? {
        var responses: [DNSResponse?] = [mx]
        var zones = Set<DNSName>()
        for plan in plans {
            responses.append(lookup.lookup(plan.endpoint.host, .a).response)
            if plan.tlsaStatus == .secure { responses.append(lookup.lookup(plan.endpoint.owner, .tlsa).response) }
            var apex: DNSName? = plan.endpoint.host
            while let current = apex {
                zones.insert(current)
                apex = current.labels.isEmpty ? nil : DNSName(labels: Array(current.labels.dropFirst()))
            }
        }
        let earliest = responses.compactMap { $0 }.flatMap(\.signatures).map(\.expirationDate).min()
        return (zones.compactMap(zoneEarliestExpiry) + [earliest].compactMap { $0 }).min()
    }

    /// The first of a signed zone's DNSKEY and DS signatures to expire, worked out once a
    /// minute at most (as `zoneExpiringSignatures`): a provider's domains share their MX hosts'
    /// zones, and going through the same signatures for each domain was a tenth of a warm run.
    func zoneEarliestExpiry(_ zone: DNSName) -> Date? {
        zoneEarliestExpiries.value(for: zone, lifetime: { _ in 60 }) {
            let keys = lookup.lookup(zone, .dnskey)
            guard keys.status == .secure, !(keys.response?.records(ofType: .dnskey).isEmpty ?? true) else {
                return nil
            }
            let responses = [keys.response] + (zone.labels.isEmpty ? [] : [lookup.lookup(zone, .ds).response])
            return responses.compactMap { $0 }.flatMap(\.signatures).map(\.expirationDate).min()
        }
    }

    func pathExpiringSignatures(for names: [DNSName]) -> [ExpiringSignature] {
        // Every zone cut candidate from the names up to the root, once, in order.
        var ordered: [DNSName] = []
        var seen = Set<DNSName>()
        for name in names {
            var apex: DNSName? = name
            while let current = apex {
                if seen.insert(current).inserted { ordered.append(current) }
                apex = current.labels.isEmpty ? nil : DNSName(labels: Array(current.labels.dropFirst()))
            }
        }
        // Each zone is checked once a minute at most, whichever domain asks: a provider's
        // domains share their parent, TLD and root. The zones no domain has checked yet are
        // asked side by side when there are several (a slow name server costs its lookups once,
        // not once per name in turn); the rest are answered here.
        let zones = ordered
        let new = zones.filter { !zoneSignatures.isReady($0) }
        if new.count > 1 {
            _ = ProbeRunner(limit: options.concurrency).run(new.count) { self.zoneExpiringSignatures(new[$0]) }
        }
        return zones.flatMap(zoneExpiringSignatures)
    }

    /// The zone's DNSKEY RRSIGs and its DS RRSIGs in the parent that run out soon, when the
    /// name is a signed zone's apex.
    func zoneExpiringSignatures(_ zone: DNSName) -> [ExpiringSignature] {
        zoneSignatures.value(for: zone, lifetime: { _ in 60 }) {
            let dnskey = lookup.lookup(zone, .dnskey)
            guard dnskey.status == .secure, !(dnskey.response?.records(ofType: .dnskey).isEmpty ?? true) else {
                return []
            }
            var found = expiringSignatures(dnskey.response, what: "the DNSKEY records of \(zone)")
            if !zone.labels.isEmpty {
                found += expiringSignatures(
                    lookup.lookup(zone, .ds).response, what: "the DS records of \(zone) in its parent")
            }
            return found
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
