/// RFC 8460 §4.3's result types, each with what a sender did and what the receiving domain's
/// operator should do: the same codes `verify` gives (through `SenderFailure`), so a report
/// and a live check read alike.
public enum TLSRPTResultType: String, Sendable, CaseIterable, Codable {
    case starttlsNotSupported = "starttls-not-supported"
    case certificateHostMismatch = "certificate-host-mismatch"
    case certificateExpired = "certificate-expired"
    case certificateNotTrusted = "certificate-not-trusted"
    case validationFailure = "validation-failure"
    case tlsaInvalid = "tlsa-invalid"
    case dnssecInvalid = "dnssec-invalid"
    case daneRequired = "dane-required"
    case stsPolicyFetchError = "sts-policy-fetch-error"
    case stsPolicyInvalid = "sts-policy-invalid"
    case stsWebPKIInvalid = "sts-webpki-invalid"

    /// The failure `verify` names with the same result type, for its sender code.
    public var senderFailure: SenderFailure? {
        switch self {
        case .starttlsNotSupported: .starttlsNotSupported
        case .certificateHostMismatch: .certificateHostMismatch
        case .certificateExpired: .certificateExpired
        case .tlsaInvalid: .tlsaInvalid
        case .dnssecInvalid: .dnssecInvalid
        case .validationFailure: .validationFailure
        case .certificateNotTrusted, .daneRequired, .stsPolicyFetchError, .stsPolicyInvalid, .stsWebPKIInvalid: nil
        }
    }

    /// What to do about it, for the receiving domain's operator.
    public var fix: String {
        switch self {
        case .starttlsNotSupported:
            "enable STARTTLS on the MX host (Postfix: smtpd_tls_security_level = may with a certificate); `danectl verify DOMAIN` shows which host"
        case .certificateHostMismatch:
            "serve a certificate that names the MX host (MTA-STS and DANE-TA check names; DANE-EE does not)"
        case .certificateExpired:
            "renew the certificate; keep the key so its 3 1 1 TLSA record stays valid (`danectl rollover plan` for a new key)"
        case .certificateNotTrusted:
            "serve the full chain to a public CA (MTA-STS needs WebPKI), or publish a 3 1 1 TLSA record for the key"
        case .validationFailure:
            "run `danectl verify DOMAIN` from outside: the sender could not complete a secure session for a reason the report text gives"
        case .tlsaInvalid:
            "publish the 3 1 1 TLSA record of the key the server presents (`danectl generate`), keeping the old one until caches expire"
        case .dnssecInvalid:
            "re-sign the zone (signatures expired or missing) or fix the DS at the parent; `danectl verify DOMAIN` names the broken link"
        case .daneRequired:
            "the sender requires DANE: sign the zone, publish the DS and the MX hosts' TLSA records"
        case .stsPolicyFetchError:
            "serve https://mta-sts.DOMAIN/.well-known/mta-sts.txt with a WebPKI certificate for that name, without redirects"
        case .stsPolicyInvalid:
            "correct the MTA-STS policy file (version, mode, mx, max_age; CRLF line ends); `danectl generate` writes one"
        case .stsWebPKIInvalid:
            "serve MX certificates valid under WebPKI for the MX host names, or set mode: testing until they are"
        }
    }

    /// Exchange Online's code when there is one, else the result type itself.
    public var senderCode: String { senderFailure?.exchangeCode ?? rawValue }
}
