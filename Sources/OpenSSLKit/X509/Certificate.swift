internal import COpenSSL
internal import COpenSSLShims
import FoundationEssentials
import Glibc

/// One X.509 certificate, owned: the `X509*` is freed when the last reference goes.
/// Unchecked Sendable: the X509 is never modified after parsing, and OpenSSL's read-only
/// X509 functions are thread-safe.
public final class Certificate: @unchecked Sendable {
    let pointer: OpaquePointer

    /// Takes ownership of `pointer` (one reference).
    init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { X509_free(pointer) }

    /// DER of the whole certificate: what selector 0 (Cert) hashes.
    public var der: [UInt8] {
        derBytes { i2d_X509(pointer, $0) }
    }

    /// DER of the SubjectPublicKeyInfo, exactly as OpenSSL's DANE matcher encodes it for
    /// selector 1 (`i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert))`).
    public var subjectPublicKeyInfoDER: [UInt8] {
        let spki = X509_get_X509_PUBKEY(pointer)
        return derBytes { i2d_X509_PUBKEY(spki, $0) }
    }

    public var subject: String { Self.oneLine(X509_get_subject_name(pointer)) }
    public var issuer: String { Self.oneLine(X509_get_issuer_name(pointer)) }
    public var notBefore: Date? { Self.date(X509_get0_notBefore(pointer)) }
    public var notAfter: Date? { Self.date(X509_get0_notAfter(pointer)) }

    /// True when `issuer`'s subject and key identifiers say it issued this certificate
    /// (the signature itself is checked too).
    /// A CA certificate (basicConstraints CA:TRUE, or a v1 self-signed root): never the server's
    /// own certificate at the head of a chain.
    public var isCertificateAuthority: Bool { X509_check_ca(pointer) > 0 }

    public func isIssued(by candidate: Certificate) -> Bool {
        guard X509_check_issued(candidate.pointer, pointer) == X509_V_OK else { return false }
        guard let key = X509_get0_pubkey(candidate.pointer) else { return false }
        let verified = X509_verify(pointer, key) == 1
        OpenSSLError.clearQueue()
        return verified
    }

    /// True when `key` is the private half of this certificate's public key.
    func matches(privateKey: PrivateKeyHandle) -> Bool {
        let ok = X509_check_private_key(pointer, privateKey.pointer) == 1
        OpenSSLError.clearQueue()
        return ok
    }

    private static func oneLine(_ name: OpaquePointer?) -> String {
        guard let name, let bio = BIO_new(BIO_s_mem()) else { return "" }
        defer { BIO_free(bio) }
        X509_NAME_print_ex(bio, name, 0, danectl_XN_FLAG_RFC2253())
        return MemoryBIO.contents(bio)
    }

    private static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let time else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}

/// Calls an OpenSSL `i2d_*` function twice (size, then bytes) and returns the encoding.
func derBytes(_ encode: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32) -> [UInt8] {
    let length = encode(nil)
    guard length > 0 else { return [] }
    var out = [UInt8](repeating: 0, count: Int(length))
    out.withUnsafeMutableBufferPointer { buffer in
        var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
        _ = encode(&cursor)
    }
    return out
}
