import FoundationEssentials

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

    public init(
        domain: String, profile: SenderProfile, mxStatus: DNSSECStatus, implicitMX: Bool, hosts: [HostReport],
        failure: SenderFailure?, detail: String?, warnings: [VerifyFinding], nullMX: Bool = false,
        drift: [DriftFinding]? = nil
    ) {
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
        let failures =
            [failure].compactMap { $0 } + hosts.compactMap(\.failure)
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
        !warnings.isEmpty || !(drift ?? []).isEmpty || !(mtaSTS?.problems.isEmpty ?? true)
            || !(mtaSTS?.warnings.isEmpty ?? true)
            || hosts.contains { $0.addresses.contains { !$0.warnings.isEmpty } }
    }

    /// What a sender does after `failure` at `address` of `host` (nil address: the host's own
    /// lookups failed): as RFC 7672 §2.2 and Postfix have it, the next address of the same
    /// host, else the next MX host, and only when none authenticates, defer and retry.
    public func senderNext(after failure: SenderFailure, host: String, address: String?) -> String {
        if let address,
            let sibling = hosts.first(where: { $0.host == host })?.addresses
                .first(where: { $0.address != address && $0.verdict == .pass })
        {
            return
                "the sender tries the next address of \(host), \(sibling.address), which authenticates: mail is delivered there; "
                + "this address still needs fixing (senders try it first in turn)"
        }
        if let other = hosts.first(where: { $0.host != host && $0.addresses.contains { $0.verdict == .pass } }) {
            return
                "the sender moves on to the next MX host, \(other.host) (preference \(other.preference)), which authenticates: "
                + "mail is delivered there, late; this host receives none until fixed"
        }
        return profile.nextStep(after: failure)
    }

    /// MTA-STS senders would fail delivery: something is wrong and the policy is enforced, or
    /// could not be read at all (senders that cached an enforced one keep enforcing it).
    public var mtaSTSFails: Bool {
        mtaSTS.map { !$0.problems.isEmpty && ($0.mode == .enforce || $0.mode == nil) } ?? false
    }
}
