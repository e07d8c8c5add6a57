internal import COpenSSL

/// The digests DANE's matching types name (RFC 6698 §2.1.3): SHA-256 and SHA-512.
public enum DigestAlgorithm: Sendable {
    case sha256, sha512
}

public enum Digest {
    /// Hashes `bytes` with OpenSSL, the same code the TLS-side DANE matcher uses.
    public static func hash(_ bytes: [UInt8], with algorithm: DigestAlgorithm) -> [UInt8] {
        let md: OpaquePointer? =
            switch algorithm {
            case .sha256: EVP_sha256()
            case .sha512: EVP_sha512()
            }
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &out, &length, md, nil)
        }
        precondition(ok == 1, "EVP_Digest cannot fail for SHA-2 on in-memory data")
        return Array(out.prefix(Int(length)))
    }

    /// SHA-1 of `input`, written into `out` at `offset` (20 bytes): NSEC3's hash (RFC 5155),
    /// called once per name, so it takes and fills reusable buffers.
    public static func sha1(_ input: [UInt8], into out: inout [UInt8], at offset: Int) {
        precondition(offset >= 0 && offset + 20 <= out.count, "SHA-1 output does not fit")
        out.withUnsafeMutableBufferPointer { buffer in _ = SHA1(input, input.count, buffer.baseAddress! + offset) }
    }
}
