internal import COpenSSL
import FoundationEssentials

/// Signs RRSIG signed data with one DNSSEC key, for one thread: keeps what OpenSSL 3 is slow
/// to set up (the key's signing context, the fetched digest) from one signature to the next,
/// and returns signatures in DNSSEC's layout (RFC 3110 RSA, RFC 6605 ECDSA r|s, RFC 8080 EdDSA).
/// One per thread: the contexts are reused without locks.
public final class DNSSECSigner {
    /// RSA/SHA-1 and SHA-2, ECDSA P-256/P-384, Ed25519, Ed448 (RFC 8624's "MUST NOT"
    /// algorithms, RSAMD5, DSA and GOST, are left out).
    public static let algorithms: Set<UInt8> = [5, 7, 8, 10, 13, 14, 15, 16]

    public let algorithm: UInt8
    /// Marks this key's signatures for re-signing (`SignatureSeal`).
    public let seal: SignatureSeal
    private let key: DNSSECPrivateKey
    private let digest: OpaquePointer?
    private let context: OpaquePointer?
    private let digestContext: OpaquePointer?
    private let eddsaContext: OpaquePointer?
    /// Verification, for keeping old signatures: made on first use (most runs never verify).
    private var verifyContext: OpaquePointer?
    private var digestBytes = [UInt8](repeating: 0, count: 64)
    private var signature = [UInt8](repeating: 0, count: 1024)

    /// `privateKeyText`: the `.private` file's text. Throws with OpenSSL's reason.
    public init(privateKeyText: String) throws(OpenSSLError) {
        key = try DNSSECPrivateKey(privateKeyText: privateKeyText)
        algorithm = key.algorithm
        guard let seal = SignatureSeal(secret: Array(privateKeyText.utf8)) else {
            throw OpenSSLError.drain("setting up SHA-256")
        }
        self.seal = seal
        guard Self.algorithms.contains(algorithm) else {
            throw OpenSSLError(operation: "signing", details: ["algorithm \(algorithm) is not supported"])
        }
        let digestName: String? =
            switch algorithm {
            case 5, 7: "SHA1"
            case 8, 13: "SHA256"
            case 14: "SHA384"
            case 10: "SHA512"
            default: nil
            }
        guard let digestName else {
            (digest, context, digestContext) = (nil, nil, nil)
            guard let made = EVP_MD_CTX_new() else { throw OpenSSLError.drain("setting up EdDSA signing") }
            eddsaContext = made
            return
        }
        eddsaContext = nil
        guard let fetched = EVP_MD_fetch(nil, digestName, nil) else {
            throw OpenSSLError.drain("fetching \(digestName)")
        }
        digest = fetched
        guard let made = EVP_PKEY_CTX_new(key.pointer, nil), EVP_PKEY_sign_init(made) == 1 else {
            EVP_MD_free(fetched)
            throw OpenSSLError.drain("setting up signing")
        }
        if algorithm <= 10 {
            guard EVP_PKEY_CTX_set_rsa_padding(made, RSA_PKCS1_PADDING) == 1,
                EVP_PKEY_CTX_set_signature_md(made, fetched) == 1
            else {
                EVP_PKEY_CTX_free(made)
                EVP_MD_free(fetched)
                throw OpenSSLError.drain("setting up RSA signing")
            }
        }
        guard let digesting = EVP_MD_CTX_new() else {
            EVP_PKEY_CTX_free(made)
            EVP_MD_free(fetched)
            throw OpenSSLError.drain("setting up the digest")
        }
        context = made
        digestContext = digesting
    }

    deinit {
        EVP_PKEY_CTX_free(verifyContext)
        EVP_PKEY_CTX_free(context)
        EVP_MD_CTX_free(digestContext)
        EVP_MD_CTX_free(eddsaContext)
        EVP_MD_free(digest)
    }

    /// The signature over `data`, appended to `out`; false (queue cleared) if OpenSSL failed.
    public func sign(_ data: UnsafeBufferPointer<UInt8>, appendingTo out: inout [UInt8]) -> Bool {
        var size = signature.count
        if let context, let digestContext {
            var length: UInt32 = 0
            guard EVP_DigestInit_ex2(digestContext, digest, nil) == 1,
                EVP_DigestUpdate(digestContext, data.baseAddress, data.count) == 1,
                EVP_DigestFinal_ex(digestContext, &digestBytes, &length) == 1,
                EVP_PKEY_sign(context, &signature, &size, digestBytes, Int(length)) == 1
            else {
                OpenSSLError.clearQueue()
                return false
            }
            switch algorithm {
            case 13: return Self.appendRawECDSA(signature, size, half: 32, to: &out)
            case 14: return Self.appendRawECDSA(signature, size, half: 48, to: &out)
            default: out.append(contentsOf: signature[0..<size])
            }
            return true
        }
        guard let eddsaContext else { return false }
        EVP_MD_CTX_reset(eddsaContext)
        guard EVP_DigestSignInit(eddsaContext, nil, nil, nil, key.pointer) == 1,
            EVP_DigestSign(eddsaContext, &signature, &size, data.baseAddress, data.count) == 1
        else {
            OpenSSLError.clearQueue()
            return false
        }
        out.append(contentsOf: signature[0..<size])
        return true
    }

    /// True when `signature` (in DNSSEC's layout) is this key's valid signature over `data`:
    /// used to keep an existing RRSIG instead of making a new one. Any failure is "no".
    public func verify(_ data: UnsafeBufferPointer<UInt8>, signature raw: UnsafeBufferPointer<UInt8>) -> Bool {
        defer { OpenSSLError.clearQueue() }
        guard let digestContext else {
            // EdDSA: one-shot, over the data itself.
            guard let eddsaContext else { return false }
            EVP_MD_CTX_reset(eddsaContext)
            return EVP_DigestVerifyInit(eddsaContext, nil, nil, nil, key.pointer) == 1
                && EVP_DigestVerify(eddsaContext, raw.baseAddress, raw.count, data.baseAddress, data.count) == 1
        }
        if verifyContext == nil {
            guard let made = EVP_PKEY_CTX_new(key.pointer, nil), EVP_PKEY_verify_init(made) == 1 else { return false }
            if algorithm <= 10 {
                guard EVP_PKEY_CTX_set_rsa_padding(made, RSA_PKCS1_PADDING) == 1,
                    EVP_PKEY_CTX_set_signature_md(made, digest) == 1
                else {
                    EVP_PKEY_CTX_free(made)
                    return false
                }
            }
            verifyContext = made
        }
        var length: UInt32 = 0
        guard EVP_DigestInit_ex2(digestContext, digest, nil) == 1,
            EVP_DigestUpdate(digestContext, data.baseAddress, data.count) == 1,
            EVP_DigestFinal_ex(digestContext, &digestBytes, &length) == 1
        else { return false }
        switch algorithm {
        case 13, 14:
            // r|s back to DER: SEQUENCE { INTEGER r, INTEGER s } (RFC 6605 §4).
            let half = algorithm == 13 ? 32 : 48
            guard raw.count == 2 * half else { return false }
            var der: [UInt8] = []
            for part in [raw[0..<half], raw[half..<2 * half]] {
                var bytes = Array(part.drop { $0 == 0 })
                if bytes.isEmpty { bytes = [0] }
                if bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
                der += [0x02, UInt8(bytes.count)] + bytes
            }
            der = [0x30, UInt8(der.count)] + der
            return EVP_PKEY_verify(verifyContext, der, der.count, digestBytes, Int(length)) == 1
        default:
            return EVP_PKEY_verify(verifyContext, raw.baseAddress, raw.count, digestBytes, Int(length)) == 1
        }
    }

    /// DNSSEC wants r and s side by side, each padded to the curve size (RFC 6605 §4); OpenSSL
    /// gives DER: SEQUENCE { INTEGER r, INTEGER s }, short lengths at these sizes.
    static func appendRawECDSA(_ der: [UInt8], _ count: Int, half: Int, to out: inout [UInt8]) -> Bool {
        guard count >= 8, der[0] == 0x30, der[1] < 0x80, Int(der[1]) + 2 == count else { return false }
        var at = 2
        for _ in 0..<2 {
            guard at + 2 <= count, der[at] == 0x02 else { return false }
            var length = Int(der[at + 1])
            var start = at + 2
            guard length < 0x80, start + length <= count else { return false }
            at = start + length
            while length > 0 && der[start] == 0 { start += 1; length -= 1 }  // the sign byte
            guard length <= half else { return false }
            out.append(contentsOf: repeatElement(0, count: half - length))
            out.append(contentsOf: der[start..<start + length])
        }
        return at == count
    }
}
