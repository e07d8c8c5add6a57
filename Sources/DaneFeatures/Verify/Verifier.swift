import DaneModel
import Foundation
import LDNSKit
import OpenSSLKit

/// `verify`: checks a live domain the way a DANE-enforcing sender does (RFC 7672 §2-3):
/// MX with DNSSEC, then each host's addresses and TLSA records, then STARTTLS and the DANE
/// handshake on every address, probes running side by side.
public struct Verifier: Sendable {
    public struct Options: Sendable {
        public var profile: SenderProfile = .rfc7672
        /// Deadline for each probe (connect, SMTP dialogue and TLS handshake together).
        public var timeout: TimeInterval = 20
        /// Below `sign`'s default validity (14 days), so a freshly signed zone is quiet.
        public var warnDays: Int = 7
        public var port: UInt16 = 25
        public var concurrency: Int = 16
        /// Domains checked at once (`--jobs`); each runs its own probes side by side too.
        public var jobs: Int = 16
        /// Addresses tried per MX host, as Postfix's smtp_mx_address_limit (default 5).
        public var addressLimit: Int = 5
        /// MX hosts checked per domain, by preference (`--mx-limit`): senders stop after a few.
        public var mxLimit: Int = 10
        /// Ask every authoritative server of each zone for the MX, address and TLSA RRsets
        /// (`--all-servers`): a stale secondary breaks DANE days after a rollover.
        public var allServers = false
        /// Check DNS and DNSSEC only: no SMTP, so no certificate is checked (for machines whose
        /// outbound port 25 is blocked).
        public var dnsOnly = false
        /// The time certificates and signatures are judged at; nil: the world's clock when the verifier is made.
        public var now: Date?
        /// Trusted roots for WebPKI checks (MTA-STS policy hosts and MX certificates); nil: the system's.
        public var caFile: String?
        /// The port MTA-STS policies are fetched from (443; tests move it).
        public var policyPort: UInt16 = 443

        public init() {}
    }

    public let lookup: any DNSLookup
    public let world: World
    public let options: Options
    /// The time of this run (`options.now`, else the world's clock at the start).
    public let now: Date
    /// MTA-STS policies a description makes, by domain (FQDN), to compare with what is served.
    public var describedMTASTS: [String: MTASTSPolicy] = [:]
    /// Each (address, port, TLSA base, host, records) is probed once per run, however many
    /// domains share the MX host: a provider's 10,000 domains on 50 hosts cost 50 probes per address.
    private let probes: OnceCache<String, AddressReport>

    public init(lookup: any DNSLookup, world: World, options: Options) {
        self.lookup = lookup
        self.world = world
        self.options = options
        self.now = options.now ?? world.clock.now()
        probes = OnceCache(clock: world.clock)
    }

    /// Several domains, `options.jobs` at a time (each one's probes run side by side too);
    /// `finished` hears each report as soon as it is known (from worker threads, one at a time).
    public func verify(domains: [String], finished: (@Sendable (Int, DomainReport) -> Void)? = nil) -> [DomainReport] {
        let serial = NSLock()
        return ProbeRunner(limit: max(1, options.jobs)).run(domains.count) { index in
            let report = self.verify(domain: domains[index])
            if let finished {
                serial.lock()
                finished(index, report)
                serial.unlock()
            }
            return report
        }
    }

    /// Probes that were shared rather than repeated, for the benchmark's accounting.
    public var distinctProbes: Int { probes.count }

    public func verify(domain rawDomain: String) -> DomainReport {
        let name = DNSName(presentation: rawDomain) ?? DNSName(labels: [rawDomain])
        let domain = name.fqdn
        var warnings: [VerifyFinding] = []
        let mx = lookup.lookup(name, .mx)
        func report(_ hosts: [HostReport], _ failure: SenderFailure? = nil, _ detail: String? = nil, implicit: Bool = false,
                    nullMX: Bool = false) -> DomainReport {
            DomainReport(domain: domain, profile: options.profile, mxStatus: mx.status, implicitMX: implicit, hosts: hosts,
                         failure: failure, detail: detail, warnings: warnings, nullMX: nullMX)
        }
        switch mx.status {
        case .bogus:
            var bogus = report([], .dnssecInvalid, mx.problem)
            bogus.chainBreak = ChainDiagnosis(lookup: lookup, now: now).diagnose(name, .mx)
            if bogus.chainBreak == nil { bogus.nameServers = NameServerSurvey(lookup: lookup).survey(name, .mx) }
            return bogus
        case .failed:
            var failed = report([], .dnsQueryFailed, mx.problem)
            failed.nameServers = NameServerSurvey(lookup: lookup).survey(name, .mx)
            return failed
        default: break
        }
        if mx.response?.code == .nxDomain {
            var absent = report([], .dnsQueryFailed, "\(domain) does not exist (NXDOMAIN)\(mx.status == .secure ? ", proven by DNSSEC" : "")")
            absent.absence = .domainDoesNotExist
            return absent
        }
        var expiring = expiringSignatures(mx.response, what: "the MX records of \(domain)")
        if let (record, reason) = mx.response?.malformed.first {
            return report([], .dnsQueryFailed, "\(record.owner) MX: malformed answer: \(reason)")
        }
        var targets: [(host: DNSName, preference: Int)] = (mx.response?.records(ofType: .mx) ?? []).compactMap { record in
            guard case .mx(let preference, let exchange) = record.data else { return nil }
            return (exchange, Int(preference))
        }
        let implicit = targets.isEmpty
        if implicit { targets = [(name, 0)] }  // RFC 5321 §5.1: no MX means the domain itself
        if targets.count == 1, targets[0].host.labels.isEmpty {
            return report([], nil, "\(domain) publishes a null MX (RFC 7505): it accepts no mail", implicit: false, nullMX: true)
        }
        targets.sort { ($0.preference, $0.host.fqdn) < ($1.preference, $1.host.fqdn) }
        if mx.status == .insecure {
            // Signed, yet insecure: no DS at the parent. Senders see an island as unsigned.
            if let signer = mx.response?.signatures.first?.signer {
                warnings.append(.init(.dnssecIsland, "zone \(signer) is signed, but its parent has no DS for it (an island): senders see \(domain) as unsigned and "
                                + "never use DANE for it; publish the DS at the parent (danectl ds)"))
            } else {
                warnings.append(.init(.mxUnsigned, "the MX records of \(domain) are not DNSSEC-signed, so senders never use DANE for this domain; sign the zone and publish its DS"))
            }
        }

        // Senders try a bounded number of MX hosts; so does verify (a domain with 200 slow MX
        // hosts must still get a verdict).
        if targets.count > options.mxLimit {
            warnings.append(.init(.mxLimit, "\(domain) lists \(targets.count) MX hosts; senders try only the first few, and verify checked the first \(options.mxLimit) "
                            + "by preference (--mx-limit): remove the hosts that do not take mail"))
            targets = Array(targets.prefix(options.mxLimit))
        }
        // DNS for every host side by side (a slow name server costs its own lookups once, not
        // once per host), then every probe side by side.
        let mxSecure = mx.status == .secure
        let hosts = targets
        let planned = ProbeRunner(limit: options.concurrency).run(hosts.count) { index in
            var hostWarnings: [VerifyFinding] = []
            let plan = self.planHost(hosts[index].host, hosts[index].preference, mxSecure: mxSecure, warnings: &hostWarnings)
            return (plan, hostWarnings)
        }
        let plans = planned.map(\.0)
        warnings += planned.flatMap(\.1)
        let jobs = plans.enumerated().flatMap { index, plan in plan.addresses.map { (index, $0) } }
        let results = options.dnsOnly
            ? jobs.map { AddressReport(address: $0.1, verdict: .notChecked, failure: nil,
                                       detail: "not probed: --dns-only checks DNS and DNSSEC, not this server's certificate", remedy: nil,
                                       tls: nil, matched: nil, certificates: [], warnings: []) }
            : ProbeRunner(limit: options.concurrency).run(jobs.count) { i in
                let (index, address) = jobs[i]
                let plan = plans[index]
                let key = "\(address)|\(options.port)|\(plan.tlsaBase ?? plan.host)|\(plan.host)|\(plan.daneInForce)|\(String(describing: plan.tlsaStatus))|"
                    + plan.usable.map(\.description).sorted().joined(separator: ",")
                return probes.value(for: key) { self.probe(address, plan) }
            }
        for (i, job) in jobs.enumerated() { plans[job.0].reports.append(results[i]) }
        warnings += tlsrptWarnings(name)
        expiring += plans.flatMap(\.expiring)
        expiring += pathExpiringSignatures(for: [name] + plans.map(\.endpoint.host) + plans.compactMap { $0.tlsaStatus == nil ? nil : $0.endpoint.owner })
        warnings += signatureWarnings(expiring)
        var seen = Set<VerifyFinding>()
        warnings = warnings.filter { seen.insert($0).inserted }
        if options.allServers {
            // Each RRset the verdict rests on, asked of every server of its zone, side by side.
            let questions: [(DNSName, RRType)] = [(name, .mx)] + plans.flatMap { plan -> [(DNSName, RRType)] in
                [(plan.endpoint.host, .a), (plan.endpoint.host, .aaaa)] + (plan.tlsaStatus == nil ? [] : [(plan.endpoint.owner, .tlsa)])
            }
            let survey = NameServerSurvey(lookup: lookup)
            var seenFindings = Set<VerifyFinding>()
            warnings += ProbeRunner(limit: options.concurrency).run(questions.count) { survey.survey(questions[$0].0, questions[$0].1) }
                .flatMap { $0 }.filter { seenFindings.insert($0).inserted }.map { VerifyFinding($0.code, "all servers: " + $0.message) }
        }
        var result = report(plans.map(\.report), nil, nil, implicit: implicit)
        result.earliestSignatureExpiry = earliestSignatureExpiry(mx.response, plans)
        let settings = PolicyFetchSettings(timeout: min(options.timeout, 10), caFile: options.caFile, port: options.policyPort)
        result.mtaSTS = MTASTSCheck(lookup: lookup, source: world.https, settings: settings).check(
            domain: name, liveMX: implicit ? [] : plans.map(\.host), probed: plans.flatMap { plan in plan.reports.map { (plan.host, $0) } },
            described: describedMTASTS[domain])
        return result
    }

    // MARK: - DNS for one host

    /// Unchecked Sendable: filled by the domain's thread before probing, read (not written)
    /// by its probe threads, and given their reports only after they have all joined.
    final class HostPlan: @unchecked Sendable {
        var endpoint = TLSAEndpoint(host: DNSName(labels: [])), preference = 0, addressStatus = DNSSECStatus.failed
        var tlsaStatus: DNSSECStatus?
        var host: String { endpoint.host.fqdn }
        /// The TLSA base once TLSA records were looked up (RFC 7672 §2.2.2).
        var tlsaBase: String? { tlsaStatus == nil ? nil : endpoint.base.fqdn }
        var tlsa: [LiveTLSARecord] = [], usable: [TLSARecordData] = []
        var addresses: [String] = [], reports: [AddressReport] = []
        var failure: SenderFailure?, detail: String?
        var chainBreak: ChainBreak?
        var nameServers: [VerifyFinding] = []
        var absence: NameAbsence?
        var expiring: [ExpiringSignature] = []

        var daneInForce: Bool { tlsaStatus == .secure && !usable.isEmpty }
        var report: HostReport {
            var made = HostReport(host: host, preference: preference, addressStatus: addressStatus, tlsaBase: tlsaBase,
                                  tlsaOwner: tlsaStatus == nil ? nil : endpoint.owner.fqdn, tlsaStatus: tlsaStatus,
                                  tlsa: tlsa, addresses: reports.sorted { $0.address < $1.address }, failure: failure, detail: detail)
            made.chainBreak = chainBreak
            made.nameServers = nameServers
            made.absence = absence
            return made
        }
    }

    func planHost(_ host: DNSName, _ preference: Int, mxSecure: Bool, warnings: inout [VerifyFinding]) -> HostPlan {
        let plan = HostPlan()
        plan.endpoint = TLSAEndpoint(host: host, port: options.port)
        plan.preference = preference
        let v4 = lookup.lookup(host, .a), v6 = lookup.lookup(host, .aaaa)
        let statuses = [v4.status, v6.status]
        plan.addressStatus = statuses.contains(.bogus) ? .bogus : statuses.contains(.failed) ? .failed
            : statuses.allSatisfy { $0 == .secure } ? .secure : .insecure
        if plan.addressStatus == .bogus {
            plan.failure = .dnssecInvalid
            plan.detail = [v4, v6].compactMap(\.problem).first
            plan.chainBreak = ChainDiagnosis(lookup: lookup, now: now).diagnose(host, v4.status == .bogus ? .a : .aaaa)
            if plan.chainBreak == nil { plan.nameServers = NameServerSurvey(lookup: lookup).survey(host, .a) }
            return plan
        }
        plan.addresses = (v4.response?.addresses ?? []) + (v6.response?.addresses ?? [])
        // Senders try a few addresses per host, not all (Postfix: smtp_mx_address_limit = 5):
        // so does verify, which also bounds a hostile host's thousand silent addresses.
        if plan.addresses.count > options.addressLimit {
            warnings.append(.init(.addressLimit, "\(host) has \(plan.addresses.count) addresses; like a sender, verify tried only the first \(options.addressLimit)"))
            plan.addresses = Array(plan.addresses.prefix(options.addressLimit))
        }
        if plan.addressStatus == .failed && plan.addresses.isEmpty {
            plan.failure = .dnsQueryFailed
            plan.detail = [v4, v6].compactMap(\.problem).first
            plan.nameServers = NameServerSurvey(lookup: lookup).survey(host, .a)
            return plan
        }
        if plan.addresses.isEmpty {
            plan.failure = .dnsQueryFailed
            plan.detail = "\(host) has no A or AAAA records"
            plan.absence = .noAddress
            return plan
        }
        plan.expiring += expiringSignatures(v4.response, what: "the address records of \(host)")

        // RFC 7672 §2.2.2: TLSA only when the address records are secure; with a secure CNAME
        // chain, first at the expanded name, then at the original.
        guard mxSecure, plan.addressStatus == .secure else {
            // Senders do not look TLSA up here; verify does, only to say what signing would do.
            if plan.addressStatus == .insecure || !mxSecure {
                let answer = lookup.lookup(plan.endpoint.owner, .tlsa)
                let records = answer.status == .insecure ? answer.response?.records(ofType: .tlsa) ?? [] : []
                if !records.isEmpty {
                    plan.tlsaStatus = .insecure
                    for record in records {
                        let live = Self.classify(record)
                        plan.tlsa.append(live)
                        if live.usable, case .tlsa(let data) = record.data { plan.usable.append(data) }
                    }
                }
            }
            return plan
        }
        let chain = DNSResponse(code: .noError, authenticated: true, answer: (v4.response?.answer ?? []) + (v6.response?.answer ?? []))
        guard let expanded = chain.cnameTarget(from: host) else {
            plan.failure = .dnsQueryFailed
            plan.detail = "the CNAME chain from \(host) is longer than 8 names or loops; senders give up on it"
            return plan
        }
        let endpoint = plan.endpoint.with(base: expanded)
        for owner in endpoint.candidateOwners {
            let answer = lookup.lookup(owner, .tlsa)
            plan.endpoint = owner == endpoint.owner ? endpoint : TLSAEndpoint(host: host, port: options.port)
            plan.tlsaStatus = answer.status
            switch answer.status {
            case .bogus:
                plan.failure = .dnssecInvalid
                plan.detail = answer.problem
                plan.chainBreak = ChainDiagnosis(lookup: lookup, now: now).diagnose(owner, .tlsa)
                if plan.chainBreak == nil { plan.nameServers = NameServerSurvey(lookup: lookup).survey(owner, .tlsa) }
                return plan
            case .failed:
                plan.failure = .dnsQueryFailed
                plan.detail = answer.problem
                plan.nameServers = NameServerSurvey(lookup: lookup).survey(owner, .tlsa)
                return plan
            case .insecure:
                // Unsigned: senders ignore these records, but they say what signing would do.
                for record in answer.response?.records(ofType: .tlsa) ?? [] {
                    let live = Self.classify(record)
                    plan.tlsa.append(live)
                    if live.usable, case .tlsa(let data) = record.data { plan.usable.append(data) }
                }
                return plan
            case .secure:
                let records = (answer.response?.records(ofType: .tlsa) ?? [])
                if records.isEmpty { continue }
                plan.expiring += expiringSignatures(answer.response, what: "the TLSA records at \(owner)")
                for record in records {
                    let live = Self.classify(record)
                    plan.tlsa.append(live)
                    if live.usable, case .tlsa(let data) = record.data { plan.usable.append(data) }
                }
                return plan
            }
        }
        return plan
    }

    /// One live TLSA record, judged by the same RFC 7672 rule `generate` uses.
    static func classify(_ record: DNSRecord) -> LiveTLSARecord {
        guard case .tlsa(let data) = record.data else {
            let reason = if case .malformed(let why, _) = record.data { why } else { "not TLSA data" }
            return LiveTLSARecord(owner: record.owner.fqdn, data: record.data, usable: false, reason: "malformed TLSA record: \(reason)")
        }
        if case .unusable(let reason) = SMTPUsability.verdict(for: data) {
            return LiveTLSARecord(owner: record.owner.fqdn, data: .tlsa(data), usable: false, reason: reason)
        }
        return LiveTLSARecord(owner: record.owner.fqdn, data: .tlsa(data), usable: true, reason: nil)
    }

    /// A live `_smtp._tls` record that senders cannot use, with the exact problem.
    func tlsrptWarnings(_ domain: DNSName) -> [VerifyFinding] {
        let owner = TLSRPTPolicy.ownerName(domain: domain)
        guard case .failure(let problem) = TLSRPTPolicy.live(lookup.lookup(owner, .txt).response?.texts ?? []) else { return [] }
        return [.init(.tlsrptMalformed, "the TLS-RPT record at \(owner) is malformed: \(problem); senders send no TLS reports until it is fixed")]
    }

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
        for zone in zones {
            let keys = lookup.lookup(zone, .dnskey)
            guard keys.status == .secure, !(keys.response?.records(ofType: .dnskey).isEmpty ?? true) else { continue }
            responses.append(keys.response)
            if !zone.labels.isEmpty { responses.append(lookup.lookup(zone, .ds).response) }
        }
        return responses.compactMap { $0 }.flatMap(\.signatures).map(\.expirationDate).min()
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
        // Side by side: a slow name server costs its lookups once, not once per name in turn.
        let zones = ordered
        return ProbeRunner(limit: options.concurrency).run(zones.count) { index -> [ExpiringSignature] in
            let current = zones[index]
            let dnskey = self.lookup.lookup(current, .dnskey)
            guard dnskey.status == .secure, !(dnskey.response?.records(ofType: .dnskey).isEmpty ?? true) else { return [] }
            var found = self.expiringSignatures(dnskey.response, what: "the DNSKEY records of \(current)")
            if !current.labels.isEmpty {
                found += self.expiringSignatures(self.lookup.lookup(current, .ds).response, what: "the DS records of \(current) in its parent")
            }
            return found
        }.flatMap { $0 }
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
        return response.signatures.filter { $0.expirationDate < limit }.map { ExpiringSignature(signer: $0.signer, expires: $0.expirationDate, what: what) }
    }

    /// One warning per signing zone, however many of its RRsets expire: a freshly signed zone
    /// expires all at once, and that is one thing to do (re-sign that zone).
    func signatureWarnings(_ expiring: [ExpiringSignature]) -> [VerifyFinding] {
        Dictionary(grouping: Set(expiring), by: \.signer).sorted { $0.key < $1.key }.map { signer, signatures in
            let first = signatures.min { ($0.expires, $0.what) < ($1.expires, $1.what) }!
            let zone = signer.labels.isEmpty ? "the root zone" : "zone \(signer)"
            return VerifyFinding(.signatureExpiring, signatures.count == 1
                ? "the signature over \(first.what) expires on \(Self.format(first.expires)); re-sign \(zone) before then"
                : "\(signatures.count) signatures of \(zone) expire within \(options.warnDays) days, the earliest on \(Self.format(first.expires)) "
                    + "(over \(first.what)); re-sign \(zone) before then")
        }
    }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }
}
