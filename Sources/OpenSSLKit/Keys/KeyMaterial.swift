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

    /// The public key's algorithm, by OpenSSL's short name (`RSA`, `EC`, `ED25519`, `X25519`, ...).
    public var keyAlgorithm: String { KeyAlgorithm.name(ofSPKI: subjectPublicKeyInfoDER) }

    /// Keys a TLS server can authenticate with (RFC 8446 §4.2.3, RFC 5246): RSA, ECDSA, EdDSA.
    /// Key-agreement keys (X25519, X448), DSA and SM2 cannot sign a TLS handshake for SMTP.
    public var canAuthenticateTLS: Bool { ["RSA", "RSA-PSS", "EC", "ED25519", "ED448"].contains(keyAlgorithm) }
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
