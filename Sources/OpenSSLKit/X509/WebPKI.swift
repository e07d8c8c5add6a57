internal import COpenSSL
import FoundationEssentials
import Glibc

/// WebPKI validation, as MTA-STS senders do it (RFC 8461 §4.2): the chain must lead to a
/// trusted root and the leaf must name the host. DANE-EE ignores both; MTA-STS does not.
public enum WebPKI {
    /// Why a chain is not valid, sorted the way RFC 8460 reports it.
    public struct Failure: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: Sendable { case hostMismatch, expired, untrusted }
        public let kind: Kind
        public let description: String
    }

    /// nil when the chain is valid for `hostName` at `now`; else why, classified.
    public static func failure(chain: [Certificate], hostName: String, caFile: String? = nil, now: Date) -> Failure? {
        guard let (code, message) = check(chain: chain, hostName: hostName, caFile: caFile, now: now) else {
            return nil
        }
        let kind: Failure.Kind =
            switch code {
            case X509_V_ERR_HOSTNAME_MISMATCH: .hostMismatch
            case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID: .expired
            default: .untrusted
            }
        return Failure(kind: kind, description: message)
    }

    /// nil when `chain` (leaf first, as served) is valid for `hostName` at `now`; otherwise
    /// OpenSSL's reason. `caFile` replaces the system's trusted roots (private PKIs, tests).
    public static func problem(chain: [Certificate], hostName: String, caFile: String? = nil, now: Date) -> String? {
        check(chain: chain, hostName: hostName, caFile: caFile, now: now)?.message
    }

    private static func check(
        chain: [Certificate], hostName: String, caFile: String?, now: Date
    ) -> (code: Int32, message: String)? {
        OpenSSLError.clearQueue()
        defer { OpenSSLError.clearQueue() }
        guard let leaf = chain.first else { return (-1, "no certificate was presented") }
        guard let store = X509_STORE_new() else { return (-1, "cannot create a certificate store") }
        defer { X509_STORE_free(store) }
        if let caFile {
            guard X509_STORE_load_file(store, caFile) == 1 else { return (-1, "cannot read the CA file \(caFile)") }
        } else {
            guard X509_STORE_set_default_paths(store) == 1 else {
                return (-1, "cannot load the system's trusted certificates")
            }
        }
        guard let untrusted = OPENSSL_sk_new_null() else { return (-1, "out of memory") }
        defer { OPENSSL_sk_free(untrusted) }
        for certificate in chain.dropFirst() { OPENSSL_sk_push(untrusted, UnsafeRawPointer(certificate.pointer)) }
        guard let context = X509_STORE_CTX_new() else { return (-1, "out of memory") }
        defer { X509_STORE_CTX_free(context) }
        guard X509_STORE_CTX_init(context, store, leaf.pointer, untrusted) == 1 else {
            return (-1, "cannot set up verification")
        }
        let parameters = X509_STORE_CTX_get0_param(context)
        let name = hostName.hasSuffix(".") ? String(hostName.dropLast()) : hostName
        X509_VERIFY_PARAM_set_hostflags(parameters, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
        X509_VERIFY_PARAM_set1_host(parameters, name, name.utf8.count)
        X509_VERIFY_PARAM_set_time(parameters, time_t(now.timeIntervalSince1970))
        if X509_verify_cert(context) == 1 { return nil }
        let code = X509_STORE_CTX_get_error(context)
        return (code, String(cString: X509_verify_cert_error_string(Int(code))))
    }
}
