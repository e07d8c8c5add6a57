import FoundationEssentials

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
