internal import COpenSSL
internal import COpenSSLShims
import FoundationEssentials
import Glibc

/// Makes the key a renewal will use, before any certificate exists for it: a new private key
/// of the same kind as the key in service (same curve, same RSA size, same EdDSA variant), and
/// a certificate signing request for the host's names that an ACME client can take
/// (`certbot certonly --csr`, `dehydrated --signcsr`, `lego --csr`).
public enum NextKeyMaker {
    public struct Made: Sendable {
        /// PKCS #8 PEM: goes to a 0600 file and nowhere else.
        public let privateKeyPEM: String
        public let csrPEM: String
    }

    /// `like`: the DER SubjectPublicKeyInfo of the key in service. `names`: DNS names for the
    /// CSR (the first is also its common name).
    public static func make(like spki: [UInt8], names: [String]) throws(OpenSSLError) -> Made {
        OpenSSLError.clearQueue()
        guard !names.isEmpty else { throw OpenSSLError(operation: "making a CSR", details: ["no names given"]) }
        let current = spki.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var start: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PUBKEY(nil, &start, buffer.count)
        }
        guard let current else { throw OpenSSLError.drain("reading the key in service") }
        defer { EVP_PKEY_free(current) }
        let key = try generate(like: current)
        defer { EVP_PKEY_free(key) }
        return Made(
            privateKeyPEM: try pem { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) },
            csrPEM: try csr(key, names))
    }

    static func generate(like current: OpaquePointer) throws(OpenSSLError) -> OpaquePointer {
        let type = EVP_PKEY_get_base_id(current)
        let algorithm: String
        switch type {
        case EVP_PKEY_EC: algorithm = "EC"
        case EVP_PKEY_RSA: algorithm = "RSA"
        case EVP_PKEY_ED25519: algorithm = "ED25519"
        case EVP_PKEY_ED448: algorithm = "ED448"
        default:
            throw OpenSSLError(
                operation: "making the next key",
                details: ["the key in service is of a type SMTP servers do not use (\(type))"])
        }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, algorithm, nil), EVP_PKEY_keygen_init(context) == 1 else {
            throw OpenSSLError.drain("setting up \(algorithm) key generation")
        }
        defer { EVP_PKEY_CTX_free(context) }
        if type == EVP_PKEY_EC {
            var group = [CChar](repeating: 0, count: 64)
            var length = 0
            guard EVP_PKEY_get_utf8_string_param(current, "group", &group, group.count, &length) == 1,
                EVP_PKEY_CTX_set_group_name(context, group) == 1
            else { throw OpenSSLError.drain("reading the curve of the key in service") }
        } else if type == EVP_PKEY_RSA {
            guard EVP_PKEY_CTX_set_rsa_keygen_bits(context, EVP_PKEY_get_bits(current)) == 1 else {
                throw OpenSSLError.drain("setting the RSA size")
            }
        }
        var made: OpaquePointer?
        guard EVP_PKEY_generate(context, &made) == 1, let made else {
            throw OpenSSLError.drain("generating the \(algorithm) key")
        }
        return made
    }

    static func csr(_ key: OpaquePointer, _ names: [String]) throws(OpenSSLError) -> String {
        guard let request = X509_REQ_new(), let subject = X509_NAME_new() else {
            throw OpenSSLError.drain("making a CSR")
        }
        defer { X509_REQ_free(request); X509_NAME_free(subject) }
        let isEdDSA = [EVP_PKEY_ED25519, EVP_PKEY_ED448].contains(EVP_PKEY_get_base_id(key))
        guard X509_REQ_set_version(request, 0) == 1,
            X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, names[0], -1, -1, 0) == 1,
            X509_REQ_set_subject_name(request, subject) == 1, X509_REQ_set_pubkey(request, key) == 1,
            danectl_X509_REQ_add_subject_alt_names(request, names.map { "DNS:\($0)" }.joined(separator: ",")) == 1,
            X509_REQ_sign(request, key, isEdDSA ? nil : EVP_sha256()) > 0
        else { throw OpenSSLError.drain("signing the CSR") }
        return try pem { PEM_write_bio_X509_REQ($0, request) }
    }

    static func pem(_ write: (OpaquePointer) -> Int32) throws(OpenSSLError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLError.drain("allocating a buffer") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw OpenSSLError.drain("writing PEM") }
        return MemoryBIO.contents(bio)
    }
}
