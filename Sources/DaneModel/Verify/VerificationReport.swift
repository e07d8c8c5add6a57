import Foundation

/// How trustworthy a DNS answer is, as the sender's validating resolver sees it.
public enum DNSSECStatus: String, Sendable, Codable {
    /// Validated (AD bit set).
    case secure
    /// Not signed, or under an insecure delegation: DANE does not apply.
    case insecure
    /// Signed but failed validation: senders defer (Exchange Online: 5.7.324 / 4.4.312).
    case bogus
    /// No usable answer (timeout, SERVFAIL that is not bogus, refused).
    case failed
}

/// One TLSA record as found live, with RFC 7672's verdict on it.
public struct LiveTLSARecord: Sendable, Hashable {
    public let owner: String
    /// `.tlsa`, or `.malformed` for RDATA that does not decode as TLSA.
    public let data: RecordData
    public let usable: Bool
    public let reason: String?

    public init(owner: String, data: RecordData, usable: Bool, reason: String?) {
        self.owner = owner
        self.data = data
        self.usable = usable
        self.reason = reason
    }
}

/// A certificate the server presented, summarised for people and JSON.
public struct PresentedCertificate: Sendable, Codable, Hashable {
    public let subject: String
    public let issuer: String
    public let spkiSHA256: String
    public let notBefore: Date?
    public let notAfter: Date?

    public init(subject: String, issuer: String, spkiSHA256: String, notBefore: Date?, notAfter: Date?) {
        self.subject = subject
        self.issuer = issuer
        self.spkiSHA256 = spkiSHA256
        self.notBefore = notBefore
        self.notAfter = notAfter
    }
}

/// The verdict on one address of one MX host, and why.
public struct AddressReport: Sendable {
    public enum Verdict: String, Sendable, Codable {
        /// DANE authenticated: a usable TLSA record matched.
        case pass
        /// TLS worked but no DANE is in force here (no usable TLSA, or not DNSSEC-secure).
        case unauthenticated
        case fail
        /// Not probed (`--dns-only`): the server's certificate was not checked.
        case notChecked = "not-checked"
    }

    public let address: String
    public let verdict: Verdict
    public let failure: SenderFailure?
    public let detail: String
    public let remedy: String?
    public let tls: String?
    public let matched: String?
    public let certificates: [PresentedCertificate]
    public let warnings: [VerifyFinding]
    /// The served chain under WebPKI for the MX name (what MTA-STS `enforce` senders require);
    /// nil when no handshake completed.
    public let webPKI: WebPKIVerdict?
    /// This end's address for the probe (a TLS-RPT report's sending-mta-ip), when it connected.
    public var sendingIP: String?
    /// How long the probe took, connect to QUIT.
    public var probeSeconds: Double?
    /// The TLS library's own words for a failure (a TLS-RPT report's failure-reason-code).
    public var reasonCode: String?
    /// Whether an SMTP session was had at all (false: refused, timed out, unreachable). A
    /// run where no address was reached says port 25 looks blocked from here.
    public var reachedSMTP = true

    public init(address: String, verdict: Verdict, failure: SenderFailure?, detail: String, remedy: String?, tls: String?,
                matched: String?, certificates: [PresentedCertificate], warnings: [VerifyFinding], webPKI: WebPKIVerdict? = nil) {
        self.webPKI = webPKI
        self.address = address
        self.verdict = verdict
        self.failure = failure
        self.detail = detail
        self.remedy = remedy
        self.tls = tls
        self.matched = matched
        self.certificates = certificates
        self.warnings = warnings
    }
}

/// Whether a served chain is valid under WebPKI for the MX host name, and if not, the
/// RFC 8460 result type an MTA-STS sender would report.
public struct WebPKIVerdict: Sendable, Codable, Hashable {
    public let valid: Bool
    public let problem: String?
    public let resultType: TLSRPTResultType?

    public init(valid: Bool, problem: String?, resultType: TLSRPTResultType?) {
        self.valid = valid
        self.problem = problem
        self.resultType = resultType
    }
}

/// One MX host: its lookups and the verdict for each of its addresses.
public struct HostReport: Sendable {
    public let host: String
    public let preference: Int
    public let addressStatus: DNSSECStatus
    /// The name TLSA was looked up under (`_25._tcp.<base>`): the CNAME-expanded name when
    /// the whole chain is secure, else the MX host name (RFC 7672 §2.2.2).
    public let tlsaBase: String?
    /// Where the TLSA records were looked up: `_<port>._tcp.<base>` (from `TLSAEndpoint`).
    public let tlsaOwner: String?
    public let tlsaStatus: DNSSECStatus?
    public let tlsa: [LiveTLSARecord]
    public let addresses: [AddressReport]
    /// Set when the host fails before any address is tried (DNS problems).
    public let failure: SenderFailure?
    public let detail: String?
    /// With a bogus answer: the first broken link of its chain of trust, when it was found.
    public var chainBreak: ChainBreak?
    /// With a failed or unexplained bogus lookup: what asking each authoritative server showed.
    public var nameServers: [VerifyFinding] = []
    /// The host has no address at all (NODATA): a fact with its own fix.
    public var absence: NameAbsence?

    public init(host: String, preference: Int, addressStatus: DNSSECStatus, tlsaBase: String?, tlsaOwner: String? = nil, tlsaStatus: DNSSECStatus?,
                tlsa: [LiveTLSARecord], addresses: [AddressReport], failure: SenderFailure?, detail: String?) {
        self.host = host
        self.preference = preference
        self.addressStatus = addressStatus
        self.tlsaBase = tlsaBase
        self.tlsaOwner = tlsaOwner
        self.tlsaStatus = tlsaStatus
        self.tlsa = tlsa
        self.addresses = addresses
        self.failure = failure
        self.detail = detail
    }

    /// Whether DANE is in force for this host: senders will insist on a TLSA match.
    public var daneInForce: Bool { tlsaStatus == .secure && tlsa.contains(where: \.usable) }
}

/// Everything `verify` found for one domain.
public struct DomainReport: Sendable {
    /// The one verdict on a domain, over everything checked: DANE, DNSSEC, MTA-STS (when
    /// published) and drift (when a description was given). The headline, JSON, the summary
    /// counts, --quiet, the exit status, Nagios and Prometheus all read this value.
    public enum Outcome: String, Sendable, Codable, CaseIterable {
        /// Every MX host authenticates by DANE, and nothing else needs attention.
        case pass
        /// DANE passes, but something needs attention: an MTA-STS problem under mode testing,
        /// drift from the description, an expiring certificate or signature.
        case warning
        /// Mail flows, but DANE is not in force (unsigned, or no usable TLSA).
        case notProtected = "not-protected"
        /// The domain publishes a null MX (RFC 7505): it takes no mail, so there is nothing to protect.
        case nullMX = "null-mx"
        /// MTA-STS senders fail delivery: the policy is enforced (or unreadable) and something is wrong.
        case mtaSTSFailure = "mta-sts-failure"
        /// Some MX host fails DANE: mail to it bounces or defers.
        case daneFailure = "dane-failure"
        /// DNS or DNSSEC is broken: senders cannot even start.
        case dnsProblem = "dns-problem"
    }

    public let domain: String
    public let profile: SenderProfile
    public let mxStatus: DNSSECStatus
    public let implicitMX: Bool
    public let hosts: [HostReport]
    public let failure: SenderFailure?
    public let detail: String?
    public var warnings: [VerifyFinding]

    /// The domain publishes a null MX (RFC 7505): it accepts no mail, by its own say.
    public let nullMX: Bool

    /// Live records that differ from the description; nil when no description was compared.
    public var drift: [DriftFinding]?

    /// The domain's MTA-STS (RFC 8461) as served; nil when it publishes no `_mta-sts` record.
    public var mtaSTS: MTASTSReport?

    /// With a bogus MX answer: the first broken link of its chain of trust, when it was found.
    public var chainBreak: ChainBreak?
    /// With a failed or unexplained bogus MX lookup: what asking each authoritative server showed.
    public var nameServers: [VerifyFinding] = []
    /// The domain does not exist (NXDOMAIN): a fact with its own fix and sender behaviour.
    public var absence: NameAbsence?

    /// The earliest expiry of the DNSSEC signatures the domain's answers depend on (its MX,
    /// the hosts' addresses and TLSA, and the DNSKEY and DS records up to the root).
    public var earliestSignatureExpiry: Date?

    public init(domain: String, profile: SenderProfile, mxStatus: DNSSECStatus, implicitMX: Bool, hosts: [HostReport],
                failure: SenderFailure?, detail: String?, warnings: [VerifyFinding], nullMX: Bool = false, drift: [DriftFinding]? = nil) {
        self.nullMX = nullMX
        self.drift = drift
        self.domain = domain
        self.profile = profile
        self.mxStatus = mxStatus
        self.implicitMX = implicitMX
        self.hosts = hosts
        self.failure = failure
        self.detail = detail
        self.warnings = warnings
    }

    public var outcome: Outcome {
        let failures = [failure].compactMap { $0 } + hosts.compactMap(\.failure)
            + hosts.flatMap { $0.addresses.compactMap(\.failure) }
        if failures.contains(where: \.isDNSProblem) { return .dnsProblem }
        if !failures.isEmpty { return .daneFailure }
        if mtaSTSFails { return .mtaSTSFailure }
        if nullMX { return .nullMX }
        if !daneInForce { return .notProtected }
        return needsAttention ? .warning : .pass
    }

    /// Every MX host authenticates by DANE (the DANE part of the verdict alone).
    public var daneInForce: Bool { !hosts.isEmpty && hosts.allSatisfy(\.daneInForce) && failure == nil }

    /// Anything that needs attention although DANE passes: warnings (the domain's and its
    /// addresses'), drift, MTA-STS problems or warnings.
    public var needsAttention: Bool {
        !warnings.isEmpty || !(drift ?? []).isEmpty || !(mtaSTS?.problems.isEmpty ?? true) || !(mtaSTS?.warnings.isEmpty ?? true)
            || hosts.contains { $0.addresses.contains { !$0.warnings.isEmpty } }
    }

    /// What a sender does after `failure` at `address` of `host` (nil address: the host's own
    /// lookups failed): as RFC 7672 §2.2 and Postfix have it, the next address of the same
    /// host, else the next MX host, and only when none authenticates, defer and retry.
    public func senderNext(after failure: SenderFailure, host: String, address: String?) -> String {
        if let address, let sibling = hosts.first(where: { $0.host == host })?.addresses
            .first(where: { $0.address != address && $0.verdict == .pass }) {
            return "the sender tries the next address of \(host), \(sibling.address), which authenticates: mail is delivered there; "
                + "this address still needs fixing (senders try it first in turn)"
        }
        if let other = hosts.first(where: { $0.host != host && $0.addresses.contains { $0.verdict == .pass } }) {
            return "the sender moves on to the next MX host, \(other.host) (preference \(other.preference)), which authenticates: "
                + "mail is delivered there, late; this host receives none until fixed"
        }
        return profile.nextStep(after: failure)
    }

    /// MTA-STS senders would fail delivery: something is wrong and the policy is enforced, or
    /// could not be read at all (senders that cached an enforced one keep enforcing it).
    public var mtaSTSFails: Bool { mtaSTS.map { !$0.problems.isEmpty && ($0.mode == .enforce || $0.mode == nil) } ?? false }
}

/// What a domain's MTA-STS looks like to a sender: record, policy, and each problem with the
/// RFC 8460 result type a sender reports and how to fix it.
public struct MTASTSReport: Sendable {
    public struct Problem: Sendable, Codable, Hashable {
        public let resultType: TLSRPTResultType
        public let detail: String
        public let fix: String

        public init(resultType: TLSRPTResultType, detail: String, fix: String) {
            self.resultType = resultType
            self.detail = detail
            self.fix = fix
        }
    }

    /// The `_mta-sts` TXT text as served, and its id when it parses.
    public let record: String
    public let id: String?
    public let policyURL: String
    /// The policy as fetched, and as read (nil when it could not be fetched or read).
    public let policyText: String?
    public let mode: MTASTSPolicy.Mode?
    public let maxAge: UInt32?
    public let mx: [String]
    public let problems: [Problem]
    public let warnings: [VerifyFinding]

    public init(record: String, id: String?, policyURL: String, policyText: String?, policy: MTASTSPolicy?, problems: [Problem], warnings: [VerifyFinding]) {
        self.record = record
        self.id = id
        self.policyURL = policyURL
        self.policyText = policyText
        self.mode = policy?.mode
        self.maxAge = policy?.maxAge
        self.mx = policy?.mx ?? []
        self.problems = problems
        self.warnings = warnings
    }
}

extension MTASTSPolicy.Mode: Codable {}

/// One record where the live DNS and the description disagree.
public struct DriftFinding: Sendable, Codable, Hashable, Comparable, CustomStringConvertible {
    public enum State: String, Sendable, Codable {
        /// In the description, not served.
        case missing
        /// Served, not in the description.
        case extra
    }

    public let owner: String
    public let type: String
    public let state: State
    public let value: String

    public init(owner: String, type: String, state: State, value: String) {
        self.owner = owner
        self.type = type
        self.state = state
        self.value = value
    }

    public var description: String {
        "\(owner) \(type) \(value) " + (state == .missing ? "is in the description but not live" : "is live but not in the description")
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.owner, a.type, a.state.rawValue, a.value) < (b.owner, b.type, b.state.rawValue, b.value)
    }
}
