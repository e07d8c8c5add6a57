/// The verdict on one address of one MX host, and why.
public struct AddressReport: Sendable, Equatable {
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

    public init(
        address: String, verdict: Verdict, failure: SenderFailure?, detail: String, remedy: String?, tls: String?,
        matched: String?, certificates: [PresentedCertificate], warnings: [VerifyFinding], webPKI: WebPKIVerdict? = nil
    ) {
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
