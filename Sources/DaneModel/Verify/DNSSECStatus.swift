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
