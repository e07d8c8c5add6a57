internal import COpenSSL

/// Names the algorithm of a DER SubjectPublicKeyInfo.
enum KeyAlgorithm {
    static func name(ofSPKI spki: [UInt8]) -> String {
        let key = spki.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var start: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PUBKEY(nil, &start, buffer.count)
        }
        OpenSSLError.clearQueue()
        guard let key else { return "unknown" }
        defer { EVP_PKEY_free(key) }
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_RSA: return "RSA"
        case EVP_PKEY_RSA_PSS: return "RSA-PSS"
        case EVP_PKEY_EC: return "EC"
        case EVP_PKEY_ED25519: return "ED25519"
        case EVP_PKEY_ED448: return "ED448"
        case EVP_PKEY_X25519: return "X25519"
        case EVP_PKEY_X448: return "X448"
        case EVP_PKEY_DSA: return "DSA"
        default: return EVP_PKEY_get0_type_name(key).map { String(cString: $0) } ?? "unknown"
        }
    }
}
