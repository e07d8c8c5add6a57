internal import COpenSSL

/// A keyed mark danectl writes beside each RRSIG it makes: HMAC-SHA-256 (RFC 2104) over the
/// signed data and the signature, under a key derived from the signing key's private half,
/// cut to 128 bits. A mark that matches proves this key's holder made exactly this signature
/// over exactly this data, so re-signing may keep it without the public-key verify (three
/// times a P-256 signing's cost). Nobody without the private key can make a mark; a mark
/// that does not match only means the signature is verified the slow way.
/// One per thread (the hashing context is reused without locks).
public final class SignatureSeal {
    /// The 128-bit mark, as two words (cheap to sort and compare).
    public struct Mark: Hashable, Comparable, Sendable {
        public let high: UInt64, low: UInt64
        public init(high: UInt64, low: UInt64) { (self.high, self.low) = (high, low) }
        public static func < (a: Mark, b: Mark) -> Bool { (a.high, a.low) < (b.high, b.low) }

        /// The mark as 16 bytes, most significant first.
        public var bytes: [UInt8] {
            (0..<16).map { UInt8(truncatingIfNeeded: ($0 < 8 ? high : low) >> (56 - 8 * ($0 % 8))) }
        }
        public init?(bytes: some Collection<UInt8>) {
            guard bytes.count == 16 else { return nil }
            var words: (UInt64, UInt64) = (0, 0)
            for (index, byte) in bytes.enumerated() {
                if index < 8 { words.0 = words.0 << 8 | UInt64(byte) } else { words.1 = words.1 << 8 | UInt64(byte) }
            }
            (high, low) = words
        }
    }

    private let sha256: OpaquePointer
    private let context: OpaquePointer
    /// The key XOR ipad and XOR opad, one SHA-256 block each.
    private let inner: [UInt8], outer: [UInt8]
    private var scratch = [UInt8](repeating: 0, count: 32)

    /// `secret`: the private key's file text; its SHA-256 (after a label, so the key is used
    /// for nothing else) is the HMAC key.
    init?(secret: [UInt8]) {
        guard let sha256 = EVP_MD_fetch(nil, "SHA256", nil) else { return nil }
        guard let context = EVP_MD_CTX_new() else {
            EVP_MD_free(sha256)
            return nil
        }
        self.sha256 = sha256
        self.context = context
        var key = [UInt8](repeating: 0, count: 64)
        let label = Array("danectl RRSIG seal v1\n".utf8)
        var length: UInt32 = 0
        let ok =
            EVP_DigestInit_ex2(context, sha256, nil) == 1 && EVP_DigestUpdate(context, label, label.count) == 1
            && EVP_DigestUpdate(context, secret, secret.count) == 1 && EVP_DigestFinal_ex(context, &key, &length) == 1
        inner = key.map { $0 ^ 0x36 }
        outer = key.map { $0 ^ 0x5C }
        guard ok else { return nil }
    }

    deinit {
        EVP_MD_CTX_free(context)
        EVP_MD_free(sha256)
    }

    /// The mark of `signature` over `data`; nil only if OpenSSL failed (then nothing is kept
    /// on the strength of a mark).
    public func mark(data: UnsafeBufferPointer<UInt8>, signature: UnsafeBufferPointer<UInt8>) -> Mark? {
        var length: UInt32 = 0
        guard EVP_DigestInit_ex2(context, sha256, nil) == 1, EVP_DigestUpdate(context, inner, 64) == 1,
            EVP_DigestUpdate(context, data.baseAddress, data.count) == 1,
            EVP_DigestUpdate(context, signature.baseAddress, signature.count) == 1,
            EVP_DigestFinal_ex(context, &scratch, &length) == 1,
            EVP_DigestInit_ex2(context, sha256, nil) == 1, EVP_DigestUpdate(context, outer, 64) == 1,
            EVP_DigestUpdate(context, scratch, 32) == 1, EVP_DigestFinal_ex(context, &scratch, &length) == 1
        else {
            OpenSSLError.clearQueue()
            return nil
        }
        return Mark(bytes: scratch.prefix(16))
    }
}
