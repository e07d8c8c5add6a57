import DaneModel
import DaneSpec
import FoundationEssentials

/// What `generate` needs from the command line.
public struct GenerateRequest: Sendable {
    public var file: String
    /// Only the records of these zones (empty: all); a zone without records is a usage error.
    public var zones: [String] = []
    public var sign = false
    public var keys: [String] = []
    public var validityDays = 14
    public var now: Date?
    public var checkLive = false
    /// The pre-flight through the validating resolver: MX addresses, signed zones, DS at the parent.
    public var check = false
    public var resolver: String?
    public var timeout: TimeInterval = 20
    /// Trusted roots for the MTA-STS WebPKI check (nil: the system's).
    public var caFile: String?

    public init(file: String) { self.file = file }
}

public struct GenerateOutcome: Sendable {
    public let records: [ResourceRecord]
    public let warnings: [Diagnostic]
    /// With `checkLive`: addresses whose served key the set would not authenticate.
    public let liveProblems: [Diagnostic]
    /// MTA-STS policy files of the domains whose records were kept.
    public let mtaSTSPolicies: [Generator.MTASTSPolicyFile]
    /// Every zone and MTA-STS web host the description makes, whatever `--zone` kept: what
    /// `--prune` must never remove.
    public let allZones: [DNSName]
    public let allWebHosts: [String]
    /// Every file the run read (description, certificates, keys, CA file): never an output.
    public let inputs: [String]
    /// Every MX host the description names (for publish's pre-flight).
    public let mxHosts: [DNSName]
}

/// `generate` as the CLI calls it: load, generate, optionally check against the live keys,
/// keep the chosen zones, optionally sign.
public enum GenerateRun {
    public static func run(_ request: GenerateRequest, world: World) throws(DiagnosticError) -> GenerateOutcome {
        let description = try DescriptionLoader.load(path: request.file)
        let now = request.now ?? world.clock.now()
        let generated = try Generator(now: now, caFile: request.caFile).generate(description)
        // One resolver, asked once whether it answers, for both live checks.
        let dns: (any DNSLookup)? =
            request.checkLive || request.check
            ? try world.answeringLookup(
                resolver: request.resolver, timeout: request.timeout,
                purpose: "--check and --check-live ask it for MX addresses, DNSKEY, DS and TLSA records"
            ).lookup : nil
        var liveProblems: [Diagnostic] = []
        if request.checkLive, let dns {
            liveProblems = try LiveKeyCheck(lookup: dns, probe: world.keyProbe(timeout: request.timeout), now: now)
                .problems(description)
        }
        var records = try filter(generated.records, zones: request.zones)
        var warnings = generated.warnings
        if request.check, let dns {
            warnings += GenerateCheck.warnings(records: records, description: description, lookup: dns)
        }
        if request.sign {
            let options = SigningOptions(now: now, validityDays: request.validityDays)
            records = try FragmentSigning.sign(
                records, keyPaths: description.signingKeys + request.keys, options: options)
        }
        // The policies of domains whose zone was kept. Only a description with MTA-STS needs
        // the kept zones (a provider's 300,000 records otherwise hashed for nothing), and the
        // domains are looked at once, not once per policy (100,000 of each made that quadratic).
        var policies: [Generator.MTASTSPolicyFile] = []
        if !generated.mtaSTSPolicies.isEmpty {
            let keptZones = Set(records.map(\.zone))
            let keptDomains = Set(description.domains.filter { keptZones.contains($0.zone) }.map(\.name))
            policies = generated.mtaSTSPolicies.filter { keptDomains.contains($0.domain) }
        }
        return GenerateOutcome(
            records: records, warnings: warnings, liveProblems: liveProblems, mtaSTSPolicies: policies,
            allZones: zones(ofSorted: generated.records),
            allWebHosts: generated.mtaSTSPolicies.map(\.webHost),
            inputs: description.inputFiles + request.keys + [request.caFile].compactMap { $0 },
            mxHosts: Array(Set(description.domains.flatMap { $0.mx.map(\.host) })).sorted())
    }

    /// The zones of records in canonical order (zone first), each once, in order.
    static func zones(ofSorted records: [ResourceRecord]) -> [DNSName] {
        var zones: [DNSName] = []
        for record in records where zones.last != record.zone { zones.append(record.zone) }
        return zones
    }

    static func filter(_ records: [ResourceRecord], zones: [String]) throws(DiagnosticError) -> [ResourceRecord] {
        guard !zones.isEmpty else { return records }
        var wanted = Set<DNSName>()
        for text in zones {
            guard let name = try? DNSName(zoneName: text) else {
                throw DiagnosticError(
                    .error(.usage("usage-zone-invalid"), "--zone \"\(text)\" is not a valid zone name"))
            }
            guard records.contains(where: { $0.zone == name }) else {
                let known = Set(records.map(\.zone.fqdn)).sorted().joined(separator: ", ")
                throw DiagnosticError(
                    .error(
                        .usage("usage-zone-unknown"),
                        "no records belong in zone \(name.fqdn); zones in this description: \(known)"))
            }
            wanted.insert(name)
        }
        return records.filter { wanted.contains($0.zone) }
    }
}
