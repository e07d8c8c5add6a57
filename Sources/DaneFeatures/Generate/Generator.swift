import DaneModel
import FoundationEssentials
import OpenSSLKit
import WorkSharing

/// `generate`: from a checked description and its certificate files to the DNS records a
/// receiving domain publishes for SMTP DANE: TLSA per MX host, MX, and TLS-RPT.
public struct Generator {
    public struct Output: Sendable {
        /// Sorted, without duplicates: byte-identical output for identical inputs.
        public let records: [ResourceRecord]
        /// Things an operator should know that do not stop the run.
        public let warnings: [Diagnostic]
        /// MTA-STS policy files to serve at https://mta-sts.<domain>/.well-known/mta-sts.txt.
        public let mtaSTSPolicies: [MTASTSPolicyFile]
    }

    /// One domain's MTA-STS policy file and the id its TXT record carries.
    public struct MTASTSPolicyFile: Sendable, Equatable {
        public let domain: DNSName
        public let text: String
        public let id: String
        /// Where it is served from: `mta-sts.<domain>`.
        public var webHost: String { "mta-sts." + String(domain.fqdn.dropLast()) }
    }

    /// Used only to warn about expired certificates; never written into output.
    public var now: Date
    public var loader: KeyMaterialLoader
    /// Trusted roots for the WebPKI check of MTA-STS `enforce` (nil: the system's).
    public var caFile: String?

    public init(now: Date, loader: KeyMaterialLoader = KeyMaterialLoader(), caFile: String? = nil) {
        self.now = now
        self.loader = loader
        self.caFile = caFile
    }

    /// The policy id: a digest of the policy text, so it changes exactly when the text does
    /// and is the same on every run (RFC 8461 §3.1: 1 to 32 letters and digits).
    public static func mtaSTSID(_ text: String) -> String {
        String(Hex.encode(Digest.hash(Array(text.utf8), with: .sha256)).prefix(20))
    }

    public func generate(_ description: DomainDescription) throws(DiagnosticError) -> Output {
        var records: [ResourceRecord] = []
        var errors: [Diagnostic] = []
        var warnings: [Diagnostic] = []
        let zones = ZoneAssignment(description: description)

        for host in description.hosts {
            let zone: DNSName
            switch zones.zone(for: host.host, explicit: host.zone) {
            case .known(let z): zone = z
            case .guessed(let z):
                zone = z
                warnings.append(
                    .warning(
                        "zone-guessed",
                        "\(host.host) is outside every zone in this description; its TLSA records are listed under zone \(z) "
                            + "(set \"zone:\" on the host to say which zone owns it)", at: host.location))
            }
            do {
                let (tlsa, hostWarnings) = try tlsaRecords(for: host)
                warnings += hostWarnings
                let owner = host.endpoint.owner
                if owner.wireLength > 255 {
                    errors.append(
                        .error(
                            .badData("name-too-long"),
                            "\(owner) is \(owner.wireLength) octets; DNS names stop at 255: shorten the host name",
                            at: host.location))
                    continue
                }
                for data in tlsa where data.wire.count > 65_535 {
                    errors.append(
                        .error(
                            .badData("rdata-too-long"),
                            "\(data.parameters) for \(host.host) would be \(data.wire.count) octets of RDATA; "
                                + "records stop at 65,535: use a digest (\(data.parameters.usage.rawValue) \(data.parameters.selector.rawValue) 1)",
                            at: host.location))
                }
                for data in tlsa where data.wire.count <= 65_535 {
                    records.append(
                        ResourceRecord(zone: zone, owner: owner, ttl: host.ttl, type: .tlsa, data: .tlsa(data)))
                }
            } catch {
                errors += error.diagnostics
            }
        }

        // The domains' records a chunk at a time on every core (a provider lists 100,000),
        // joined in description order: the same records, warnings and errors as one thread's.
        let described = Set(description.hosts.map(\.host))
        var policies: [MTASTSPolicyFile] = []
        OrderedChunks.forEach(count: description.domains.count, chunk: 2_048) { range in
            var part = DomainPart()
            for domain in description.domains[range] { add(domain, described: described, description, to: &part) }
            return part
        } consume: { part in
            records += part.records
            warnings += part.warnings
            errors += part.errors
            policies += part.policies
        }
        guard errors.isEmpty else { throw DiagnosticError(errors) }
        return Output(records: ResourceRecord.sortedUnique(records), warnings: warnings, mtaSTSPolicies: policies)
    }

    /// One chunk of domains' share of the output, in description order.
    struct DomainPart {
        var records: [ResourceRecord] = []
        var warnings: [Diagnostic] = []
        var errors: [Diagnostic] = []
        var policies: [MTASTSPolicyFile] = []
        var printed = PrintedRecords()
    }

    /// One domain's MX, TLS-RPT and MTA-STS records, with what is wrong or worth knowing.
    func add(_ domain: DomainSpec, described: Set<DNSName>, _ description: DomainDescription, to part: inout DomainPart)
    {
        if let policy = domain.mtaSTSPolicy {
            let file = MTASTSPolicyFile(domain: domain.name, text: policy.text, id: Self.mtaSTSID(policy.text))
            part.policies.append(file)
            part.records.append(
                part.printed.record(
                    zone: domain.zone, owner: MTASTSRecord.ownerName(domain: domain.name), ttl: domain.ttl,
                    type: .txt,
                    data: .txt(TXTCharacterStrings.chunks(MTASTSRecord(id: file.id).recordText))))
            if policy.mode == .enforce { part.warnings += webPKIWarnings(domain, description) }
        }
        for mx in domain.mx {
            if let priority = mx.priority {
                part.records.append(
                    part.printed.record(
                        zone: domain.zone, owner: domain.name, ttl: domain.ttl, type: .mx,
                        data: .mx(preference: priority, exchange: mx.host)))
            }
            if !described.contains(mx.host) {
                part.warnings.append(
                    .warning(
                        "mx-no-certificate",
                        "\(mx.host) has no certificate in this description, so no TLSA is published for it; DANE senders "
                            + "fall back to unauthenticated TLS for that host", at: mx.location))
            }
        }
        if let tlsrpt = domain.tlsrpt {
            let owner = TLSRPTPolicy.ownerName(domain: domain.name)
            let chunks = TXTCharacterStrings.chunks(tlsrpt.recordText)
            let octets = chunks.reduce(0) { $0 + $1.count + 1 }
            if owner.wireLength > 255 || octets > 65_535 {
                part.errors.append(
                    .error(
                        .badData(octets > 65_535 ? "rdata-too-long" : "name-too-long"),
                        owner.wireLength > 255
                            ? "\(owner) is \(owner.wireLength) octets; DNS names stop at 255"
                            : "the TLS-RPT record for \(domain.name) would be \(octets) octets; records stop at 65,535: use fewer or shorter rua URIs",
                        at: domain.location))
                return
            }
            part.records.append(
                part.printed.record(
                    zone: domain.zone, owner: owner, ttl: domain.ttl, type: .txt, data: .txt(chunks)))
        }
    }

    /// Records by their type and RDATA, so each RDATA's text is printed once per chunk of domains.
    struct PrintedRecords {
        struct Key: Hashable {
            let type: RRType
            let data: RecordData
        }
        private var models: [Key: ResourceRecord] = [:]

        mutating func record(
            zone: DNSName, owner: DNSName, ttl: UInt32, type: RRType, data: RecordData
        ) -> ResourceRecord {
            let key = Key(type: type, data: data)
            if let model = models[key] { return model.moved(zone: zone, owner: owner, ttl: ttl) }
            let record = ResourceRecord(zone: zone, owner: owner, ttl: ttl, type: type, data: data)
            models[key] = record
            return record
        }
    }

    /// MTA-STS `enforce` makes senders require a WebPKI-valid certificate for the MX name:
    /// warn about each described MX host whose certificate would not pass, naming why.
    func webPKIWarnings(_ domain: DomainSpec, _ description: DomainDescription) -> [Diagnostic] {
        var warnings: [Diagnostic] = []
        for reference in domain.mx {
            guard let host = description.hosts.first(where: { $0.host == reference.host }) else { continue }
            for source in host.current {
                guard let material = try? loader.load(source) else { continue }  // reported by the TLSA pass
                let problem =
                    material.chain.isEmpty
                    ? "\(source.written) holds no certificate, so it cannot be checked"
                    : WebPKI.problem(chain: material.chain, hostName: host.host.fqdn, caFile: caFile, now: now)
                if let problem {
                    warnings.append(
                        .warning(
                            "mta-sts-webpki",
                            "mta_sts mode enforce for \(domain.name), but the certificate of \(host.host) would fail WebPKI validation "
                                + "(\(problem)); MTA-STS senders would not deliver to it (sts-webpki-invalid). DANE-EE does not check names or "
                                + "CAs, MTA-STS does: use a CA-issued certificate naming the host, or mode: testing",
                            at: source.location))
                }
            }
        }
        return warnings
    }

    /// The TLSA set of one host: every requested parameter triple for the key in service, and
    /// for the next key when one is given, without duplicates (a renewal that reuses its key
    /// adds nothing).
    func tlsaRecords(for host: MXHostSpec) throws(DiagnosticError) -> ([TLSARecordData], [Diagnostic]) {
        var out = Set<TLSARecordData>()
        var warnings: [Diagnostic] = []
        var errors: [Diagnostic] = []
        for source in host.current {
            let current = try loader.load(source)
            if !current.canAuthenticateTLS {
                errors.append(
                    .error(
                        .badData("key-unusable-for-tls"),
                        "\(source.written) holds a \(current.keyAlgorithm) key, which cannot authenticate a TLS "
                            + "server: SMTP servers use RSA, ECDSA or EdDSA keys", at: source.location))
                continue
            }
            if let leaf = current.leaf, let notAfter = leaf.notAfter, notAfter < now {
                warnings.append(
                    .warning(
                        "certificate-expired",
                        "the certificate for \(host.host) in \(source.written) expired on \(RFC3339.day(notAfter)); RFC 7672 "
                            + "senders still match 3 1 1, but Exchange Online refuses it (5.7.322 certificate-expired)",
                        at: source.location))
            }
            if let warning = IssuerRotation.warning(for: host, source: source, chain: current.chain) {
                warnings.append(warning)
            }
            for parameters in host.tlsa {
                do {
                    out.insert(try TLSAAssociation.recordData(parameters, for: current))
                } catch {
                    let diagnostic = Self.diagnostic(error, parameters, host, source)
                    if !errors.contains(diagnostic) { errors.append(diagnostic) }
                }
            }
        }
        for nextSource in host.next {
            let next = try loader.load(nextSource)
            if !next.canAuthenticateTLS {
                errors.append(
                    .error(
                        .badData("key-unusable-for-tls"),
                        "\(nextSource.written) holds a \(next.keyAlgorithm) key, which cannot authenticate a TLS "
                            + "server: SMTP servers use RSA, ECDSA or EdDSA keys", at: nextSource.location))
                continue
            }
            for parameters in host.tlsa {
                if parameters.usage == .daneTA && next.chain.count < 2 {
                    warnings.append(
                        .warning(
                            "next-no-issuer",
                            "\(nextSource.written) has no issuing CA, so the \(parameters) record for \(host.host) comes from "
                                + "the current chain only; the renewed certificate must come from the same CA",
                            at: nextSource.location))
                    continue
                }
                do {
                    out.insert(try TLSAAssociation.recordData(parameters, for: next))
                } catch {
                    errors.append(Self.diagnostic(error, parameters, host, nextSource))
                }
            }
        }
        guard errors.isEmpty else { throw DiagnosticError(errors) }
        return (out.sorted(), warnings)
    }

    static func diagnostic(
        _ failure: TLSAAssociation.Failure, _ parameters: TLSAParameters, _ host: MXHostSpec,
        _ source: KeySourceSpec
    ) -> Diagnostic {
        switch failure {
        case .needsCertificate(let kind):
            return .error(
                .badData("tlsa-needs-certificate"),
                "\(parameters) for \(host.host) needs a certificate, but \(source.written) holds a \(kind.rawValue); "
                    + "use \(parameters.usage.rawValue) 1 \(parameters.matchingType.rawValue) (the public key) or give the certificate",
                at: source.location)
        case .chainLacksIssuer:
            return .error(
                .badData("tlsa-chain-lacks-issuer"),
                "\(parameters) for \(host.host) pins the issuing CA, but \(source.written) holds only the server "
                    + "certificate; append the intermediate CA certificate after it (leaf first, then its issuer)",
                at: source.location)
        case .chainOutOfOrder:
            return .error(
                .badData("tlsa-chain-order"),
                "\(source.written) for \(host.host) is not a chain in order: its first certificate must be the server's own "
                    + "(not a CA) and each must be issued by the next; put the leaf first and its issuing CA right after it",
                at: source.location)
        }
    }
}
