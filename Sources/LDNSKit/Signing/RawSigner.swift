import Foundation
internal import CLDNS
internal import COpenSSL

/// Signs the bytes of one RRSIG's signed data with one key, for one thread: keeps what OpenSSL 3
/// is slow to set up (the key's signing context, the fetched digest) from one signature to the
/// next, and returns the signature in DNSSEC's layout (RFC 3110, RFC 6605, RFC 8080).
final class RawSigner {
    let algorithm: UInt8
    let keyTag: UInt16
    let isKSK: Bool
    private let key: KeyPointer
    private let pkey: OpaquePointer
    private let digest: OpaquePointer?
    private let digestLength: Int
    private let context: OpaquePointer?
    private let digestContext: OpaquePointer?
    private let eddsaContext: OpaquePointer?
    private var digestBytes = [UInt8](repeating: 0, count: 64)
    private var signature = [UInt8](repeating: 0, count: 1024)

    /// The algorithms it signs with: RSA/SHA-1 and SHA-2, ECDSA P-256/P-384, Ed25519, Ed448
    /// (RFC 8624's "MUST NOT" ones, RSAMD5, DSA and GOST, are left out).
    static let algorithms: Set<UInt8> = [5, 7, 8, 10, 13, 14, 15, 16]

    /// A thread's own copy of `source`; nil if OpenSSL refuses the key.
    init?(_ source: DNSSECKey) {
        guard Self.algorithms.contains(source.algorithm), let key = source.makeSigningCopy(),
              let pkey = ldns_key_evp_key(key) else { return nil }
        self.key = key
        self.pkey = pkey
        algorithm = source.algorithm
        keyTag = source.keyTag
        isKSK = source.isKSK
        let digestName: String?
        switch algorithm {
        case 5, 7: digestName = "SHA1"
        case 8, 13: digestName = "SHA256"
        case 14: digestName = "SHA384"
        case 10: digestName = "SHA512"
        default: digestName = nil
        }
        digest = digestName.flatMap { EVP_MD_fetch(nil, $0, nil) }
        digestLength = digest.map { Int(EVP_MD_get_size($0)) } ?? 0
        if digestName != nil {
            guard digest != nil, let made = EVP_PKEY_CTX_new(pkey, nil), EVP_PKEY_sign_init(made) == 1 else {
                ldns_key_deep_free(key)
                return nil
            }
            if algorithm <= 10 {
                guard EVP_PKEY_CTX_set_rsa_padding(made, RSA_PKCS1_PADDING) == 1, EVP_PKEY_CTX_set_signature_md(made, digest) == 1 else {
                    EVP_PKEY_CTX_free(made)
                    ldns_key_deep_free(key)
                    return nil
                }
            }
            context = made
            digestContext = EVP_MD_CTX_new()
            eddsaContext = nil
        } else {
            context = nil
            digestContext = nil
            eddsaContext = EVP_MD_CTX_new()
        }
    }

    deinit {
        EVP_PKEY_CTX_free(context)
        EVP_MD_CTX_free(digestContext)
        EVP_MD_CTX_free(eddsaContext)
        EVP_MD_free(digest)
        ldns_key_deep_free(key)
    }

    /// The signature over `data`, appended to `out`; false if OpenSSL failed.
    func sign(_ data: UnsafeBufferPointer<UInt8>, appendingTo out: inout [UInt8]) -> Bool {
        var size = signature.count
        if let context, let digestContext {
            var length: UInt32 = 0
            guard EVP_DigestInit_ex2(digestContext, digest, nil) == 1, EVP_DigestUpdate(digestContext, data.baseAddress, data.count) == 1,
                  EVP_DigestFinal_ex(digestContext, &digestBytes, &length) == 1,
                  EVP_PKEY_sign(context, &signature, &size, digestBytes, Int(length)) == 1 else { return false }
            switch algorithm {
            case 13: return Self.appendRawECDSA(signature, size, half: 32, to: &out)
            case 14: return Self.appendRawECDSA(signature, size, half: 48, to: &out)
            default: out.append(contentsOf: signature[0..<size])
            }
            return true
        }
        guard let eddsaContext else { return false }
        EVP_MD_CTX_reset(eddsaContext)
        guard EVP_DigestSignInit(eddsaContext, nil, nil, nil, pkey) == 1,
              EVP_DigestSign(eddsaContext, &signature, &size, data.baseAddress, data.count) == 1 else { return false }
        out.append(contentsOf: signature[0..<size])
        return true
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

/// One thread's signers, split the way RFC 4035 §2.2 needs them: per algorithm, its KSKs sign
/// the DNSKEY RRset and its ZSKs everything else; an algorithm with one kind of key uses it for both.
final class ThreadSigners {
    let forDNSKEY: [RawSigner]
    let forZone: [RawSigner]

    init?(_ keys: [DNSSECKey]) {
        var signers: [RawSigner] = []
        for key in keys {
            guard let signer = RawSigner(key) else { return nil }
            signers.append(signer)
        }
        var dnskey: [RawSigner] = []
        var zone: [RawSigner] = []
        for algorithm in Set(signers.map(\.algorithm)).sorted() {
            let mine = signers.filter { $0.algorithm == algorithm }
            let ksk = mine.filter(\.isKSK), zsk = mine.filter { !$0.isKSK }
            dnskey += ksk.isEmpty ? zsk : ksk
            zone += zsk.isEmpty ? ksk : zsk
        }
        forDNSKEY = dnskey
        forZone = zone
    }

    func signers(forType type: UInt16) -> [RawSigner] { type == 48 ? forDNSKEY : forZone }
}
