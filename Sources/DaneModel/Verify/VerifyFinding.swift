/// One thing `verify` observed beside its verdict — a warning about the domain, a host or an
/// address, or how one of the zone's name servers behaves — as a value: a code from the one
/// catalogue below and the sentence for people. Renderers print `message`; tests, JSON
/// consumers and any decision read `code`. Findings never change the exit status: the
/// verdicts (`DomainReport.Outcome`, `AddressReport.Verdict`) do.
public struct VerifyFinding: Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        // The run and the machine it runs on.
        case resolverNotValidating = "resolver-not-validating"
        case portBlocked = "port-blocked"
        // DNSSEC and the zone's signatures.
        case dnssecIsland = "dnssec-island"
        case mxUnsigned = "mx-unsigned"
        case signatureExpiring = "signature-expiring"
        // What senders try.
        case mxLimit = "mx-limit"
        case addressLimit = "address-limit"
        // Certificates served.
        case certificateExpiring = "certificate-expiring"
        case certificateExpiredDANEEE = "certificate-expired-dane-ee"
        // TLS-RPT.
        case tlsrptMalformed = "tlsrpt-malformed"
        // MTA-STS.
        case mtaSTSMultipleRecords = "mta-sts-multiple-records"
        case mtaSTSWebPKIUnchecked = "mta-sts-webpki-unchecked"
        case mtaSTSShortMaxAge = "mta-sts-short-max-age"
        case mtaSTSIDMismatch = "mta-sts-id-mismatch"
        case mtaSTSSameIDChanged = "mta-sts-same-id-changed"
        case mtaSTSDrift = "mta-sts-drift"
        // One name server of the zone, asked directly.
        case nameServerNoAddress = "ns-no-address"
        case nameServerUnreachable = "ns-unreachable"
        case nameServerRefused = "ns-refused"
        case nameServerNotAuthoritative = "ns-not-authoritative"
        case nameServerSerialDisagreement = "ns-serial-disagreement"
        case nameServerAnswerDisagreement = "ns-answer-disagreement"
        case nameServerStaleSignatures = "ns-stale-signatures"
        case nameServerUnsignedCopy = "ns-unsigned-copy"
    }

    public let code: Code
    public let message: String

    /// What one name server of a zone does (`--all-servers` and the lookup-failure survey).
    public var aboutANameServer: Bool {
        switch code {
        case .nameServerNoAddress, .nameServerUnreachable, .nameServerRefused, .nameServerNotAuthoritative,
            .nameServerSerialDisagreement, .nameServerAnswerDisagreement, .nameServerStaleSignatures,
            .nameServerUnsignedCopy:
            true
        default: false
        }
    }

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
