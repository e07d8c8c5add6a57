/// What a certificate or key file held, reduced to what DANE needs: the certificates (leaf
/// first) when there are any, and the DER SubjectPublicKeyInfo of the end-entity key.
public struct KeyMaterial: Sendable {
    public enum Kind: String, Sendable {
        case certificate = "certificate"
        case publicKey = "public key"
        case certificateRequest = "certificate signing request"
        case privateKey = "private key"
    }

    /// What the file was; a certificate file that also carries its private key is `.certificate`.
    public let kind: Kind
    /// The certificates in file order, leaf first; empty for keys and CSRs.
    public let chain: [Certificate]
    /// DER SubjectPublicKeyInfo of the end-entity key: what selector 1 hashes.
    public let subjectPublicKeyInfoDER: [UInt8]

    public var leaf: Certificate? { chain.first }
}

/// Why a file could not be read as key material. Messages never include file contents.
public struct KeyMaterialError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case unreadable, empty, ambiguous
        case badPEM = "bad-pem", unknownPEMBlock = "unknown-pem-block", encryptedKey = "encrypted-key"
        case notKeyMaterial = "not-key-material", keyMismatch = "key-mismatch"
    }
    public let code: Code
    public let reason: String
    public var description: String { reason }

    public init(code: Code, reason: String) {
        self.code = code
        self.reason = reason
    }
}
