/// What one description file says, after validation: the MX hosts (each described once) and
/// the domains that point at them. Paths are already resolved against the file's folder.
public struct DomainDescription: Sendable {
    public let file: String
    public let domains: [DomainSpec]
    /// Every described MX host, in file order, each at most once per (host, port).
    public let hosts: [MXHostSpec]
    /// BIND-format DNSSEC keys (base names, resolved) for `generate --sign`.
    public let signingKeys: [String]

    /// Every file this description reads: itself, each host's certificates and keys (in
    /// service, next, served), and the signing keys. No output may be one of them.
    public var inputFiles: [String] {
        [file] + hosts.flatMap { host in (host.current + host.next + [host.servedKey].compactMap { $0 }).map(\.path) }
            + signingKeys
    }

    public init(file: String, domains: [DomainSpec], hosts: [MXHostSpec], signingKeys: [String] = []) {
        self.file = file
        self.domains = domains
        self.hosts = hosts
        self.signingKeys = signingKeys
    }
}

/// One receiving mail domain.
public struct DomainSpec: Sendable {
    public let name: DNSName
    /// The zone whose file holds this domain's MX and TLS-RPT records (a parent zone when the
    /// domain has no zone of its own).
    public let zone: DNSName
    public let ttl: UInt32
    public let mx: [MXReference]
    public let tlsrpt: TLSRPTPolicy?
    public let mtaSTS: MTASTSSpec?
    public let location: SourceLocation

    public init(
        name: DNSName, zone: DNSName, ttl: UInt32, mx: [MXReference], tlsrpt: TLSRPTPolicy?, mtaSTS: MTASTSSpec? = nil,
        location: SourceLocation
    ) {
        self.name = name
        self.zone = zone
        self.ttl = ttl
        self.mx = mx
        self.tlsrpt = tlsrpt
        self.mtaSTS = mtaSTS
        self.location = location
    }

    /// The MTA-STS policy this domain publishes: its `mx:` patterns, or else its MX host names.
    public var mtaSTSPolicy: MTASTSPolicy? {
        mtaSTS.map { spec in
            MTASTSPolicy(
                mode: spec.mode, maxAge: spec.maxAge,
                mx: spec.mx
                    ?? mx.map { String($0.host.fqdn.dropLast()) }.reduce(into: [String]()) {
                        if !$0.contains($1) { $0.append($1) }
                    })
        }
    }
}

/// The `mta_sts:` section as written: mode, max_age, and mx patterns when given.
public struct MTASTSSpec: Sendable {
    public let mode: MTASTSPolicy.Mode
    public let maxAge: UInt32
    /// nil: derived from the domain's MX hosts (no wildcard unless written here).
    public let mx: [String]?
    /// The `mx:` patterns when given, else the section.
    public let location: SourceLocation

    public init(mode: MTASTSPolicy.Mode, maxAge: UInt32, mx: [String]?, location: SourceLocation) {
        self.mode = mode
        self.maxAge = maxAge
        self.mx = mx
        self.location = location
    }
}

/// A domain's pointer at an MX host; an MX record is emitted only when `priority` is given.
public struct MXReference: Sendable {
    public let host: DNSName
    public let priority: UInt16?
    public let location: SourceLocation

    public init(host: DNSName, priority: UInt16?, location: SourceLocation) {
        self.host = host
        self.priority = priority
        self.location = location
    }
}

/// A file holding a certificate, chain, public key, CSR or private key.
public struct KeySourceSpec: Sendable, Hashable {
    /// What the YAML key promised the file holds, so a mix-up is caught and named.
    public enum Expectation: String, Sendable {
        case certificate  // `certificate:` — a certificate or chain, leaf first
        case key  // `key:` — a public key, CSR or private key
        case any  // `next:` — whatever the renewal will use
    }

    /// The path resolved against the description's folder: what is opened.
    public let path: String
    /// The path as the description wrote it: what messages show.
    public let written: String
    public let expectation: Expectation
    public let location: SourceLocation

    public init(path: String, written: String, expectation: Expectation, location: SourceLocation) {
        self.path = path
        self.written = written
        self.expectation = expectation
        self.location = location
    }
}

/// One MX host whose certificate we publish TLSA records for.
public struct MXHostSpec: Sendable {
    public let host: DNSName
    public let port: UInt16
    /// The certificates (or keys) in service now: one, or several when the host serves e.g.
    /// an RSA and an ECDSA certificate side by side; each must be covered by the TLSA set.
    public let current: [KeySourceSpec]
    /// The certificates or keys of the next renewal, published alongside the current ones.
    public let next: [KeySourceSpec]
    public let tlsa: [TLSAParameters]
    /// The zone that owns the host name, when the description says so.
    public let zone: DNSName?
    public let ttl: UInt32
    /// The private key file the MX serves with (`private_key:`): where `rollover deploy`
    /// installs the next key, beside the chain it installs at `certificate:`.
    public let servedKey: KeySourceSpec?
    public let location: SourceLocation

    public init(
        host: DNSName, port: UInt16, current: [KeySourceSpec], next: [KeySourceSpec], tlsa: [TLSAParameters],
        zone: DNSName?, ttl: UInt32, servedKey: KeySourceSpec? = nil, location: SourceLocation
    ) {
        self.servedKey = servedKey
        self.host = host
        self.port = port
        self.current = current
        self.next = next
        self.tlsa = tlsa
        self.zone = zone
        self.ttl = ttl
        self.location = location
    }
}

extension MXHostSpec {
    /// Where senders look for this host's TLSA records (the description names hosts, not CNAMEs).
    public var endpoint: TLSAEndpoint { TLSAEndpoint(host: host, port: port) }
}
