import DaneModel
import FoundationEssentials
import Glibc
import YAMLKit

/// Walks the composed YAML tree and builds the description; every problem goes into `nodes`.
struct DescriptionReader {
    var nodes: YAMLNodes
    let baseDirectory: String

    static let hostKeys = ["host", "port", "certificate", "key", "next", "tlsa", "zone", "ttl", "private_key"]
    static let mxKeys = ["host", "priority"] + hostKeys.dropFirst()
    static let domainKeys = ["domain", "zone", "ttl", "mx", "tlsrpt", "mta_sts"]
    static let topKeys = domainKeys + ["hosts", "domains", "dnssec"]

    private var definitions: [HostKey: (spec: MXHostSpec, location: SourceLocation)] = [:]
    private var definitionOrder: [HostKey] = []

    struct HostKey: Hashable { let host: DNSName; let port: UInt16 }

    init(nodes: YAMLNodes, baseDirectory: String) {
        self.nodes = nodes
        self.baseDirectory = baseDirectory
    }

    /// What the top level gives every domains entry; set by `begin`.
    private var defaults = (ttl: DescriptionLoader.defaultTTL, tlsrpt: TLSRPTPolicy?.none, sts: MTASTSSpec?.none)
    private var top: [String: YAMLValue] = [:]
    private var domains: [DomainSpec] = []
    /// Each domain's first place, and the repeats found so far: reported after every other
    /// problem, but found as the entries stream in.
    private var firstPlace: [DNSName: SourceLocation] = [:]
    private var repeats: [Diagnostic] = []

    mutating func read(_ root: YAMLValue) -> DomainDescription? {
        guard begin(root) else { return nil }
        if let list = top["domains"] {
            for entry in nodes.sequence(list, "domains") ?? [] { readDomainsEntry(entry) }
        }
        return finish()
    }

    /// The top level: its defaults, the hosts, and the one-domain form; false when it is not a
    /// mapping. A description read as it streams in gives its `domains:` entries to
    /// `readDomainsEntry` after this, one at a time.
    mutating func begin(_ root: YAMLValue) -> Bool {
        guard let top = nodes.mapping(root, "the description", allowed: Self.topKeys) else { return false }
        self.top = top
        let ttl =
            top["ttl"].flatMap { nodes.integer($0, "ttl", in: UInt32(0)...UInt32(Int32.max)) }
            ?? DescriptionLoader.defaultTTL
        defaults = (ttl, top["tlsrpt"].flatMap { tlsrpt($0) }, top["mta_sts"].flatMap { mtaSTS($0) })

        for entry in top["hosts"].flatMap({ nodes.sequence($0, "hosts") }) ?? [] {
            guard let fields = nodes.mapping(entry, "a hosts entry", allowed: Self.hostKeys) else { continue }
            define(fields, at: entry, defaultTTL: ttl, isMXEntry: false)
        }

        if top["domains"] != nil {
            for key in ["domain", "mx", "zone"] where top[key] != nil {
                nodes.error(
                    "yaml-shape", "\"\(key)\" cannot sit beside \"domains:\"; move it into a domains entry",
                    at: top[key]!)
            }
        } else if top["domain"] != nil {
            // One-domain form: ttl, tlsrpt and mta_sts were read above; do not read (and report) them twice.
            var fields = top
            fields["ttl"] = nil
            fields["tlsrpt"] = nil
            fields["mta_sts"] = nil
            if let domain = domain(
                fields, at: root, defaultTTL: ttl, defaultTLSRPT: defaults.tlsrpt, defaultSTS: defaults.sts)
            {
                add(domain)
            }
        } else {
            nodes.error(
                "yaml-shape", "the description names no domain; add \"domain: example.com\" (or a \"domains:\" list)",
                at: root)
        }
        return true
    }

    mutating func readDomainsEntry(_ entry: YAMLValue) {
        guard let fields = nodes.mapping(entry, "a domains entry", allowed: Self.domainKeys) else { return }
        if let domain = domain(
            fields, at: entry, defaultTTL: defaults.ttl, defaultTLSRPT: defaults.tlsrpt, defaultSTS: defaults.sts)
        {
            add(domain)
        }
    }

    /// What needs every domain: repeated domains, then the signing keys.
    mutating func finish() -> DomainDescription? {
        nodes.diagnostics += repeats
        let keys = top["dnssec"].map { signingKeys($0) } ?? []
        return DomainDescription(
            file: nodes.file, domains: domains, hosts: definitionOrder.map { definitions[$0]!.spec },
            signingKeys: keys)
    }

    // MARK: - Domains

    private mutating func domain(
        _ fields: [String: YAMLValue], at node: YAMLValue, defaultTTL: UInt32, defaultTLSRPT: TLSRPTPolicy?,
        defaultSTS: MTASTSSpec?
    ) -> DomainSpec? {
        guard let nameNode = fields["domain"] else {
            nodes.error("yaml-missing", "a domains entry needs \"domain:\"", at: node)
            return nil
        }
        let name = nodes.hostName(nameNode, "domain")
        let zone = fields["zone"].flatMap { nodes.zoneName($0, "zone") }
        if let name, let zone, !name.isSubdomain(of: zone) {
            nodes.error(
                "zone-outside",
                "domain \(name) is not inside zone \(zone); the zone must be the domain or a parent of it",
                at: fields["zone"]!)
        }
        let ttl = fields["ttl"].flatMap { nodes.integer($0, "ttl", in: UInt32(0)...UInt32(Int32.max)) } ?? defaultTTL
        let policy = fields["tlsrpt"].flatMap { self.tlsrpt($0) } ?? defaultTLSRPT
        let sts = fields["mta_sts"].flatMap { self.mtaSTS($0) } ?? defaultSTS
        var references: [MXReference] = []
        if let mxNode = fields["mx"] {
            for entry in nodes.sequence(mxNode, "mx") ?? [] {
                guard let mx = nodes.mapping(entry, "an mx entry", allowed: Self.mxKeys) else { continue }
                guard let hostNode = mx["host"] else {
                    nodes.error("yaml-missing", "an mx entry needs \"host:\"", at: entry)
                    continue
                }
                guard let host = nodes.hostName(hostNode, "host", shared: true) else { continue }
                let priority = mx["priority"].flatMap { nodes.integer($0, "priority", in: UInt16(0)...UInt16.max) }
                references.append(MXReference(host: host, priority: priority, location: nodes.location(entry)))
                if mx.keys.contains(where: { $0 != "host" && $0 != "priority" }) {
                    define(mx, at: entry, defaultTTL: ttl, isMXEntry: true)
                }
            }
        } else {
            nodes.error("yaml-missing", "domain needs \"mx:\", the list of its MX hosts", at: node)
        }
        guard let name else { return nil }
        if let sts, let patterns = sts.mx {
            for reference in references
            where !patterns.contains(where: { MTASTSPolicy.pattern($0, matches: reference.host.fqdn) }) {
                nodes.diagnostics.append(
                    .error(
                        .badData("mta-sts-mx-uncovered"),
                        "MX host \(reference.host) of \(name) matches no mta_sts mx pattern (\(patterns.joined(separator: ", "))); "
                            + "MTA-STS senders would refuse to deliver to it: add it, or a *. pattern that covers it",
                        at: sts.location))
            }
        }
        return DomainSpec(
            name: name, zone: zone ?? name, ttl: ttl, mx: references, tlsrpt: policy, mtaSTS: sts,
            location: nodes.location(node))
    }

    private mutating func add(_ domain: DomainSpec) {
        domains.append(domain)
        if let first = firstPlace[domain.name] {
            repeats.append(
                .error(
                    .badData("domain-duplicate"), "domain \(domain.name) is described twice (first at \(first))",
                    at: domain.location))
        } else {
            firstPlace[domain.name] = domain.location
        }
    }

    // MARK: - MX hosts

    private mutating func define(_ fields: [String: YAMLValue], at node: YAMLValue, defaultTTL: UInt32, isMXEntry: Bool)
    {
        guard let hostNode = fields["host"] else {
            nodes.error("yaml-missing", "a hosts entry needs \"host:\"", at: node)
            return
        }
        guard let host = nodes.hostName(hostNode, "host") else { return }
        let certificate = fields["certificate"].map { keySources($0, "certificate", .certificate) }
        let key = fields["key"].map { keySources($0, "key", .key) }
        if fields["certificate"] != nil, fields["key"] != nil {
            nodes.error(
                "yaml-shape", "give either \"certificate:\" or \"key:\" for \(host), not both", at: fields["key"]!)
            return
        }
        guard fields["certificate"] != nil || fields["key"] != nil else {
            let given = fields.keys.filter { !["host", "priority"].contains($0) }.sorted().joined(separator: ", ")
            nodes.error(
                "yaml-missing",
                "\(host) sets \(given) but has no \"certificate:\" (or \"key:\") to publish TLSA records for", at: node)
            return
        }
        let port = fields["port"].flatMap { nodes.integer($0, "port", in: UInt16(1)...UInt16.max) } ?? 25
        let next = fields["next"].map { keySources($0, "next", .any) } ?? []
        let zone = fields["zone"].flatMap { nodes.zoneName($0, "zone") }
        if let zone, !host.isSubdomain(of: zone) {
            nodes.error("zone-outside", "host \(host) is not inside zone \(zone)", at: fields["zone"]!)
        }
        let ttl = fields["ttl"].flatMap { nodes.integer($0, "ttl", in: UInt32(0)...UInt32(Int32.max)) } ?? defaultTTL
        let tlsa = fields["tlsa"].map { tlsaList($0) } ?? [.recommended]
        let servedKey = fields["private_key"].flatMap { keySource($0, "private_key", .key) }
        guard let current = certificate ?? key, !current.isEmpty else { return }

        let spec = MXHostSpec(
            host: host, port: port, current: current, next: next, tlsa: tlsa, zone: zone, ttl: ttl,
            servedKey: servedKey, location: nodes.location(node))
        let id = HostKey(host: host, port: port)
        if let first = definitions[id] {
            nodes.error(
                "host-duplicate",
                "\(host) port \(port) is described twice (first at \(first.location)); describe a shared host once "
                    + "under \"hosts:\" and give only host and priority in each domain's mx list", at: node)
            return
        }
        definitions[id] = (spec, spec.location)
        definitionOrder.append(id)
    }

    private mutating func keySource(
        _ node: YAMLValue, _ what: String, _ expectation: KeySourceSpec.Expectation
    ) -> KeySourceSpec? {
        guard let path = nodes.string(node, what) else { return nil }
        let resolved =
            path.hasPrefix("/")
            ? path : URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).standardized.path
        return KeySourceSpec(path: resolved, written: path, expectation: expectation, location: nodes.location(node))
    }

    /// One file, or a list of them (a host serving an RSA and an ECDSA certificate).
    private mutating func keySources(
        _ node: YAMLValue, _ what: String, _ expectation: KeySourceSpec.Expectation
    ) -> [KeySourceSpec] {
        let items: [YAMLValue] = node.kind == .scalar ? [node] : (nodes.sequence(node, what) ?? [])
        if items.isEmpty, node.kind != .scalar { nodes.error("yaml-empty", "\(what) is an empty list", at: node) }
        return items.compactMap { keySource($0, what, expectation) }
    }

    private mutating func tlsaList(_ node: YAMLValue) -> [TLSAParameters] {
        let items: [YAMLValue] = node.kind == .scalar ? [node] : (nodes.sequence(node, "tlsa") ?? [])
        var result: [TLSAParameters] = []
        for item in items {
            guard let text = nodes.string(item, "a tlsa entry") else { continue }
            guard let parameters = TLSAParameters(text: text) else {
                nodes.error(
                    "tlsa-syntax", "\"\(text)\" is not a TLSA usage, selector and matching type such as \"3 1 1\"",
                    at: item)
                continue
            }
            if case .unusable(let reason) = SMTPUsability.verdict(for: parameters) {
                nodes.error("tlsa-unusable", "\"\(text)\": \(reason)", at: item)
                continue
            }
            if !result.contains(parameters) { result.append(parameters) }
        }
        return result
    }

    // MARK: - DNSSEC

    /// `dnssec: {keys: [keys/Kexample.com.+013+12345, ...]}`: keys for `generate --sign`.
    private mutating func signingKeys(_ node: YAMLValue) -> [String] {
        guard let fields = nodes.mapping(node, "dnssec", allowed: ["keys"]), let list = fields["keys"] else {
            return []
        }
        let items: [YAMLValue] = list.kind == .scalar ? [list] : (nodes.sequence(list, "keys") ?? [])
        return items.compactMap { keySource($0, "a dnssec key", .any)?.path }
    }

    // MARK: - TLS-RPT

    private mutating func tlsrpt(_ node: YAMLValue) -> TLSRPTPolicy? {
        guard let fields = nodes.mapping(node, "tlsrpt", allowed: ["rua"]) else { return nil }
        guard let ruaNode = fields["rua"] else {
            nodes.error(
                "yaml-missing", "tlsrpt needs \"rua:\", the mailto: or https: URIs that receive reports", at: node)
            return nil
        }
        let items: [YAMLValue] = ruaNode.kind == .scalar ? [ruaNode] : (nodes.sequence(ruaNode, "rua") ?? [])
        var uris: [String] = []
        for item in items {
            guard let uri = nodes.string(item, "a rua URI") else { continue }
            do {
                try TLSRPTPolicy.check(uri)
                uris.append(uri)
            } catch {
                nodes.error("tlsrpt-uri", "\(error)", at: item)
            }
        }
        guard !uris.isEmpty, uris.count == items.count else {
            if items.isEmpty {
                nodes.error("tlsrpt-uri", "rua is empty; give at least one mailto: or https: URI", at: ruaNode)
            }
            return nil
        }
        return try? TLSRPTPolicy(reportURIs: uris)
    }

    // MARK: - MTA-STS

    private mutating func mtaSTS(_ node: YAMLValue) -> MTASTSSpec? {
        guard let fields = nodes.mapping(node, "mta_sts", allowed: ["mode", "max_age", "mx"]) else { return nil }
        var mode = MTASTSPolicy.Mode.testing
        if let modeNode = fields["mode"], let text = nodes.string(modeNode, "mode") {
            guard let parsed = MTASTSPolicy.Mode(rawValue: text) else {
                nodes.error(
                    "mta-sts-mode", "mode \"\(text)\" is not enforce, testing or none (RFC 8461 §3.2)", at: modeNode)
                return nil
            }
            mode = parsed
        }
        // A week by default: long enough to protect, short enough to change course.
        var maxAge: UInt32 = 604_800
        if let ageNode = fields["max_age"] {
            guard let age = nodes.integer(ageNode, "max_age (seconds)", in: UInt32(0)...MTASTSPolicy.maxAgeLimit) else {
                return nil
            }
            maxAge = age
        }
        var patterns: [String]?
        if let mxNode = fields["mx"] {
            let items: [YAMLValue] = mxNode.kind == .scalar ? [mxNode] : (nodes.sequence(mxNode, "mx") ?? [])
            var list: [String] = []
            for item in items {
                guard let text = nodes.string(item, "an mx pattern") else { return nil }
                let pattern = text.hasSuffix(".") ? String(text.dropLast()) : text
                guard MTASTSPolicy.validPattern(pattern) else {
                    nodes.error(
                        "mta-sts-mx",
                        "mx pattern \"\(text)\" is not a host name or \"*.\" followed by one (RFC 8461 §4.1)", at: item)
                    return nil
                }
                list.append(pattern.lowercased())
            }
            if list.isEmpty {
                nodes.error("mta-sts-mx", "mx is empty; leave it out to use the domain's MX hosts", at: mxNode)
                return nil
            }
            patterns = list
        }
        // Coverage errors point at the patterns when there are some.
        return MTASTSSpec(mode: mode, maxAge: maxAge, mx: patterns, location: nodes.location(fields["mx"] ?? node))
    }
}
