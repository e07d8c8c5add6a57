/// How a DANE-enforcing sender names a delivery failure: Exchange Online's NDR code and the
/// RFC 8460 result type a TLS-RPT report would carry. One table, used by every output.
public enum SenderFailure: String, Sendable, Codable, CaseIterable {
    case starttlsNotSupported
    case certificateExpired
    case tlsaInvalid
    case certificateHostMismatch
    case dnssecInvalid
    case dnsQueryFailed
    case connectionFailed
    case validationFailure

    /// Exchange Online's enhanced status code (its DANE troubleshooting page).
    public var exchangeCode: String {
        switch self {
        case .starttlsNotSupported: "5.7.321"
        case .certificateExpired: "5.7.322"
        case .tlsaInvalid, .certificateHostMismatch, .validationFailure: "5.7.323"
        case .dnssecInvalid: "5.7.324"
        case .dnsQueryFailed: "4/5.4.312"
        case .connectionFailed: "4.4.316"
        }
    }

    /// The result type of RFC 8460 §4.3.
    public var resultType: String {
        switch self {
        case .starttlsNotSupported: "starttls-not-supported"
        case .certificateExpired: "certificate-expired"
        case .tlsaInvalid: "tlsa-invalid"
        case .certificateHostMismatch: "certificate-host-mismatch"
        case .dnssecInvalid: "dnssec-invalid"
        case .dnsQueryFailed, .connectionFailed, .validationFailure: "validation-failure"
        }
    }

    /// The words senders put next to the code.
    public var title: String {
        switch self {
        case .starttlsNotSupported: "starttls-not-supported"
        case .certificateExpired: "certificate-expired"
        case .tlsaInvalid: "tlsa-invalid"
        case .certificateHostMismatch: "tlsa-invalid (certificate names do not match)"
        case .dnssecInvalid: "dnssec-invalid"
        case .dnsQueryFailed: "DNS query failed"
        case .connectionFailed: "connection failed"
        case .validationFailure: "validation failure"
        }
    }

    /// The fix for a failure found in DNS (not at an address): a bogus answer needs valid
    /// signatures or a correct DS, not different records; a failed one needs name servers that answer.
    public func dnsRemedy(for name: String) -> String? {
        switch self {
        case .dnssecInvalid:
            "the records need valid signatures, not replacing: re-sign the zone that holds \(name) (signatures expired, not yet valid "
                + "or missing) or correct the DS at its parent so it names a key the zone signs with"
        case .dnsQueryFailed:
            "make every name server of the zone holding \(name) answer for it (check each one with dig +dnssec @server \(name))"
        default: nil
        }
    }

    /// Whether this is a DNS/DNSSEC problem rather than a TLS/DANE one (exit status 2 vs 1).
    public var isDNSProblem: Bool { self == .dnssecInvalid || self == .dnsQueryFailed }
}

/// Which sender's rules to apply.
public enum SenderProfile: String, Sendable, CaseIterable, Codable {
    /// RFC 7672 as Postfix implements it: DANE-EE ignores names and dates.
    case rfc7672
    /// Exchange Online as Microsoft documents it: an expired certificate fails (5.7.322).
    case exchangeOnline = "exchange-online"

    /// What the sender does with the message after this failure.
    public func nextStep(after failure: SenderFailure) -> String {
        switch self {
        case .exchangeOnline:
            "Exchange Online retries the whole validation after 15 minutes, 15 minutes more, then hourly for "
                + "24 hours; then the message expires and the sender gets an NDR with \(failure.exchangeCode)"
        case .rfc7672:
            "the message stays queued (deferred) and is retried until the sender's queue lifetime ends, "
                + "then bounces; no mail is sent in the clear"
        }
    }
}
