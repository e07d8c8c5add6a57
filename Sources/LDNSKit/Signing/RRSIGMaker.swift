import Foundation
internal import CLDNS
internal import COpenSSL

/// Makes RRSIGs for one signing thread, keeping what OpenSSL 3 is slow to set up (a signing
/// context per key, the fetched digest, one wire buffer) across signatures instead of
/// rebuilding it for every RRset as ldns_sign_public does. Algorithms it does not know are
/// handed to ldns_sign_public.
final class RRSIGMaker {
    private let buffer: UnsafeMutablePointer<ldns_buffer>
    private let sha256: OpaquePointer?
    private var contexts: [KeyPointer: OpaquePointer] = [:]
    private let digestContext: OpaquePointer?

    init?() {
        guard let buffer = ldns_buffer_new(65_535) else { return nil }
        self.buffer = buffer
        sha256 = EVP_MD_fetch(nil, "SHA256", nil)
        digestContext = EVP_MD_CTX_new()
    }

    deinit {
        ldns_buffer_free(buffer)
        contexts.values.forEach { EVP_PKEY_CTX_free($0) }
        EVP_MD_free(sha256)
        EVP_MD_CTX_free(digestContext)
    }

    /// RRSIGs over `rrset` (not modified) by each of `keys`; nil if any signature fails.
    func sign(_ rrset: UnsafeMutablePointer<ldns_rr_list>, keys: [KeyPointer]) -> [RRPointer]? {
        guard let clone = ldns_rr_list_clone(rrset) else { return nil }
        defer { ldns_rr_list_deep_free(clone) }
        let ttl = ldns_rr_ttl(ldns_rr_list_rr(rrset, 0))
        for i in 0..<ldns_rr_list_rr_count(clone) {
            let rr = ldns_rr_list_rr(clone, i)
            ldns_rr_set_ttl(rr, ttl)
            ldns_rr2canonical(rr)
        }
        ldns_rr_list_sort(clone)
        var signatures: [RRPointer] = []
        for key in keys {
            guard let rrsig = ldns_create_empty_rrsig(clone, key) else { return nil }
            ldns_buffer_clear(buffer)
            guard ldns_rrsig2buffer_wire(buffer, rrsig) == LDNS_STATUS_OK,
                  ldns_rr_list2buffer_wire(buffer, clone) == LDNS_STATUS_OK,
                  let signature = signBytes(key, ldns_buffer_begin(buffer), ldns_buffer_position(buffer)) else {
                ldns_rr_free(rrsig)
                return nil
            }
            let rdf = signature.withUnsafeBufferPointer { ldns_rdf_new_frm_data(LDNS_RDF_TYPE_B64, $0.count, $0.baseAddress) }
            _ = ldns_rr_rrsig_set_sig(rrsig, rdf)
            signatures.append(rrsig)
        }
        return signatures
    }

    private func signBytes(_ key: KeyPointer, _ data: UnsafeMutablePointer<UInt8>?, _ length: Int) -> [UInt8]? {
        guard let pkey = ldns_key_evp_key(key) else { return nil }
        switch ldns_key_algorithm(key) {
        case LDNS_SIGN_ECDSAP256SHA256:
            guard let der = signDigest(key, pkey, data, length, rsa: false) else { return nil }
            return Self.rawECDSA(der, size: 32)
        case LDNS_SIGN_RSASHA256:
            return signDigest(key, pkey, data, length, rsa: true)
        case LDNS_SIGN_ED25519:
            guard let context = digestContext else { return nil }
            EVP_MD_CTX_reset(context)
            guard EVP_DigestSignInit(context, nil, nil, nil, pkey) == 1 else { return nil }
            var size = 0
            guard EVP_DigestSign(context, nil, &size, data, length) == 1 else { return nil }
            var out = [UInt8](repeating: 0, count: size)
            guard EVP_DigestSign(context, &out, &size, data, length) == 1 else { return nil }
            return Array(out.prefix(size))
        default:
            return nil
        }
    }

    /// SHA-256 of the data, signed with a context kept for this key.
    private func signDigest(_ key: KeyPointer, _ pkey: OpaquePointer, _ data: UnsafeMutablePointer<UInt8>?, _ length: Int, rsa: Bool) -> [UInt8]? {
        var digest = [UInt8](repeating: 0, count: 32)
        var digestLength: UInt32 = 0
        guard EVP_Digest(data, length, &digest, &digestLength, sha256, nil) == 1 else { return nil }
        let context: OpaquePointer
        if let existing = contexts[key] {
            context = existing
        } else {
            guard let made = EVP_PKEY_CTX_new(pkey, nil), EVP_PKEY_sign_init(made) == 1 else { return nil }
            if rsa {
                guard EVP_PKEY_CTX_set_rsa_padding(made, RSA_PKCS1_PADDING) == 1,
                      EVP_PKEY_CTX_set_signature_md(made, sha256) == 1 else { EVP_PKEY_CTX_free(made); return nil }
            }
            contexts[key] = made
            context = made
        }
        var size = 0
        guard EVP_PKEY_sign(context, nil, &size, digest, 32) == 1 else { return nil }
        var out = [UInt8](repeating: 0, count: size)
        guard EVP_PKEY_sign(context, &out, &size, digest, 32) == 1 else { return nil }
        return Array(out.prefix(size))
    }

    /// DNSSEC wants r and s side by side (RFC 6605 §4); OpenSSL gives DER.
    static func rawECDSA(_ der: [UInt8], size: Int32) -> [UInt8]? {
        der.withUnsafeBufferPointer { buffer -> [UInt8]? in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let signature = d2i_ECDSA_SIG(nil, &cursor, buffer.count) else { return nil }
            defer { ECDSA_SIG_free(signature) }
            var r: OpaquePointer?, s: OpaquePointer?
            ECDSA_SIG_get0(signature, &r, &s)
            var out = [UInt8](repeating: 0, count: Int(size) * 2)
            guard BN_bn2binpad(r, &out, size) == size else { return nil }
            let wrote = out.withUnsafeMutableBufferPointer { BN_bn2binpad(s, $0.baseAddress! + Int(size), size) }
            return wrote == size ? out : nil
        }
    }
}
