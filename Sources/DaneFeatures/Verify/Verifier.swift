import DaneModel
import FoundationEssentials
import ThreadKit

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
        public var jobs: Int = 64
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
    let probes: OnceCache<String, AddressReport>
    /// What each zone's DNSKEY and DS signatures say, worked out once for all its domains.
    let zoneSignatureCache: OnceCache<DNSName, ZoneSignatures>
    /// Equal host reports shared between domains (see `HostReports`).
    let hostReports = HostReports()

    public init(lookup: any DNSLookup, world: World, options: Options) {
        self.lookup = lookup
        self.world = world
        self.options = options
        self.now = options.now ?? world.clock.now()
        probes = OnceCache(clock: world.clock)
        zoneSignatureCache = OnceCache(clock: world.clock)
    }

    /// Several domains, `options.jobs` at a time (each one's probes run side by side too);
    /// `finished` hears each report as soon as it is known (from worker threads, one at a time).
    public func verify(domains: [String], finished: (@Sendable (Int, DomainReport) -> Void)? = nil) -> [DomainReport] {
        let serial = Lock()
        let ahead = AnswersAhead.start(lookup, domains: domains, jobs: options.jobs)
        defer { ahead?.wait() }
        return ProbeRunner(limit: max(1, options.jobs)).run(domains.count) { index in
            ahead?.began(index)
            let report = self.verify(domain: domains[index])
            if let finished {
                serial.lock()
                finished(index, report)
                serial.unlock()
            }
            return report
        }
    }

    /// The name a domain argument stands for (a name that does not parse is checked as one label,
    /// so its report says what is wrong with it).
    static func domainName(_ raw: String) -> DNSName { DNSName(presentation: raw) ?? DNSName(labels: [raw]) }

    /// Probes that were shared rather than repeated, for the benchmark's accounting.
    public var distinctProbes: Int { probes.count }

    public func verify(domain rawDomain: String) -> DomainReport {
        let name = Self.domainName(rawDomain)
        let domain = name.fqdn
        var warnings: [VerifyFinding] = []
        let mx = lookup.lookup(name, .mx)
        func report(
            _ hosts: [HostReport], _ failure: SenderFailure? = nil, _ detail: String? = nil, implicit: Bool = false,
            nullMX: Bool = false
        ) -> DomainReport {
            DomainReport(
                domain: domain, profile: options.profile, mxStatus: mx.status, implicitMX: implicit, hosts: hosts,
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
            var absent = report(
                [], .dnsQueryFailed,
                "\(domain) does not exist (NXDOMAIN)\(mx.status == .secure ? ", proven by DNSSEC" : "")")
            absent.absence = .domainDoesNotExist
            return absent
        }
        var expiring = expiringSignatures(mx.response, what: "the MX records of \(domain)")
        if let (record, reason) = mx.response?.malformed.first {
            return report([], .dnsQueryFailed, "\(record.owner) MX: malformed answer: \(reason)")
        }
        var targets: [(host: DNSName, preference: Int)] = (mx.response?.records(ofType: .mx) ?? []).compactMap {
            record in
            guard case .mx(let preference, let exchange) = record.data else { return nil }
            return (exchange, Int(preference))
        }
        let implicit = targets.isEmpty
        if implicit { targets = [(name, 0)] }  // RFC 5321 §5.1: no MX means the domain itself
        if targets.count == 1, targets[0].host.labels.isEmpty {
            return report(
                [], nil, "\(domain) publishes a null MX (RFC 7505): it accepts no mail", implicit: false, nullMX: true)
        }
        targets.sort { ($0.preference, $0.host.fqdn) < ($1.preference, $1.host.fqdn) }
        if mx.status == .insecure {
            // Signed, yet insecure: no DS at the parent. Senders see an island as unsigned.
            if let signer = mx.response?.signatures.first?.signer {
                warnings.append(
                    .init(
                        .dnssecIsland,
                        "zone \(signer) is signed, but its parent has no DS for it (an island): senders see \(domain) as unsigned and "
                            + "never use DANE for it; publish the DS at the parent (danectl ds)"))
            } else {
                warnings.append(
                    .init(
                        .mxUnsigned,
                        "the MX records of \(domain) are not DNSSEC-signed, so senders never use DANE for this domain; sign the zone and publish its DS"
                    ))
            }
        }

        // Senders try a bounded number of MX hosts; so does verify (a domain with 200 slow MX
        // hosts must still get a verdict).
        if targets.count > options.mxLimit {
            warnings.append(
                .init(
                    .mxLimit,
                    "\(domain) lists \(targets.count) MX hosts; senders try only the first few, and verify checked the first \(options.mxLimit) "
                        + "by preference (--mx-limit): remove the hosts that do not take mail"))
            targets = Array(targets.prefix(options.mxLimit))
        }
        // DNS for every host side by side (a slow name server costs its own lookups once, not
        // once per host), then every probe side by side.
        let mxSecure = mx.status == .secure
        let hosts = targets
        let planned = ProbeRunner(limit: options.concurrency).run(hosts.count) { index in
            var hostWarnings: [VerifyFinding] = []
            let plan = self.planHost(
                hosts[index].host, hosts[index].preference, mxSecure: mxSecure, warnings: &hostWarnings)
            return (plan, hostWarnings)
        }
        let plans = planned.map(\.0)
        warnings += planned.flatMap(\.1)
        let jobs = plans.enumerated().flatMap { index, plan in plan.addresses.map { (index, $0) } }
        let results =
            options.dnsOnly
            ? jobs.map {
                AddressReport(
                    address: $0.1, verdict: .notChecked, failure: nil,
                    detail: "not probed: --dns-only checks DNS and DNSSEC, not this server's certificate", remedy: nil,
                    tls: nil, matched: nil, certificates: [], warnings: [])
            }
            : ProbeRunner(limit: options.concurrency).run(jobs.count) { i in
                let (index, address) = jobs[i]
                let plan = plans[index]
                let key =
                    "\(address)|\(options.port)|\(plan.tlsaBase ?? plan.host)|\(plan.host)|\(plan.daneInForce)|\(String(describing: plan.tlsaStatus))|"
                    + plan.usable.map(\.description).sorted().joined(separator: ",")
                return probes.value(for: key) { self.probe(address, plan) }
            }
        for (i, job) in jobs.enumerated() { plans[job.0].reports.append(results[i]) }
        warnings += tlsrptWarnings(name)
        expiring += plans.flatMap(\.expiring)
        expiring += pathExpiringSignatures(
            for: [name] + plans.map(\.endpoint.host)
                + plans.compactMap { $0.tlsaStatus == nil ? nil : $0.endpoint.owner })
        warnings += signatureWarnings(expiring)
        var seen = Set<VerifyFinding>()
        warnings = warnings.filter { seen.insert($0).inserted }
        if options.allServers {
            // Each RRset the verdict rests on, asked of every server of its zone, side by side.
            let questions: [(DNSName, RRType)] =
                [(name, .mx)]
                + plans.flatMap { plan -> [(DNSName, RRType)] in
                    [(plan.endpoint.host, .a), (plan.endpoint.host, .aaaa)]
                        + (plan.tlsaStatus == nil ? [] : [(plan.endpoint.owner, .tlsa)])
                }
            let survey = NameServerSurvey(lookup: lookup)
            var seenFindings = Set<VerifyFinding>()
            warnings += ProbeRunner(limit: options.concurrency).run(questions.count) {
                survey.survey(questions[$0].0, questions[$0].1)
            }
            .flatMap { $0 }.filter { seenFindings.insert($0).inserted }.map {
                VerifyFinding($0.code, "all servers: " + $0.message)
            }
        }
        var result = report(plans.map { hostReports.shared($0.report) }, nil, nil, implicit: implicit)
        result.earliestSignatureExpiry = earliestSignatureExpiry(mx.response, plans)
        let settings = PolicyFetchSettings(
            timeout: min(options.timeout, 10), caFile: options.caFile, port: options.policyPort)
        result.mtaSTS = MTASTSCheck(lookup: lookup, source: world.https, settings: settings).check(
            domain: name, liveMX: implicit ? [] : plans.map(\.host),
            probed: plans.flatMap { plan in plan.reports.map { (plan.host, $0) } },
            described: describedMTASTS[domain])
        return result
    }

    /// A live `_smtp._tls` record that senders cannot use, with the exact problem.
    func tlsrptWarnings(_ domain: DNSName) -> [VerifyFinding] {
        let owner = TLSRPTPolicy.ownerName(domain: domain)
        guard case .failure(let problem) = TLSRPTPolicy.live(lookup.lookup(owner, .txt).response?.texts ?? []) else {
            return []
        }
        return [
            .init(
                .tlsrptMalformed,
                "the TLS-RPT record at \(owner) is malformed: \(problem); senders send no TLS reports until it is fixed"
            )
        ]
    }

}
