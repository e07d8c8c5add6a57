internal import COpenSSL
internal import COpenSSLShims
import FoundationEssentials

/// A TLS client handshake under WebPKI rules (what an MTA-STS sender uses to fetch a policy,
/// RFC 8461 §3.3): SNI and the certificate name are `hostName`, the chain must lead to a
/// trusted root (the system's, or `caFile`'s). On success `exchange` runs on the session.
public enum WebPKIHandshake {
    public static func run<T>(
        fd: Int32, hostName: String, caFile: String?, exchange: (TLSChannel) -> T
    ) -> Result<T, TLSChannelError> {
        OpenSSLError.clearQueue()
        defer { OpenSSLError.clearQueue() }
        guard let ctx = SSL_CTX_new(TLS_client_method()) else {
            return .failure(.init(description: "cannot create a TLS context"))
        }
        defer { SSL_CTX_free(ctx) }
        if let caFile {
            guard SSL_CTX_load_verify_locations(ctx, caFile, nil) == 1 else {
                return .failure(.init(description: "cannot read the CA file \(caFile)"))
            }
        } else {
            guard SSL_CTX_set_default_verify_paths(ctx) == 1 else {
                return .failure(.init(description: "cannot load the system's trusted certificates"))
            }
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        guard let ssl = SSL_new(ctx) else { return .failure(.init(description: "cannot create a TLS session")) }
        defer { SSL_free(ssl) }
        let name = hostName.hasSuffix(".") ? String(hostName.dropLast()) : hostName
        _ = danectl_SSL_set_tlsext_host_name(ssl, name)
        SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
        guard SSL_set1_host(ssl, name) == 1, SSL_set_fd(ssl, fd) == 1 else {
            return .failure(.init(description: "cannot set up TLS for \(name)"))
        }
        let connected = SSL_connect(ssl)
        guard connected == 1 else {
            let verify = SSL_get_verify_result(ssl)
            if verify != X509_V_OK {
                return .failure(
                    .init(
                        .certificateInvalid,
                        description:
                            "the certificate of \(name) is not valid under WebPKI: \(String(cString: X509_verify_cert_error_string(Int(verify))))"
                    ))
            }
            let kind = SSL_get_error(ssl, connected)
            let reason = OpenSSLError.drainReasons().first ?? ""
            if !reason.isEmpty {
                return .failure(.init(description: "the TLS handshake with \(name) failed: \(reason)"))
            }
            return .failure(
                .init(
                    description: kind == SSL_ERROR_WANT_READ || kind == SSL_ERROR_WANT_WRITE
                        ? "timed out during the TLS handshake with \(name)"
                        : "\(name) closed the connection during the TLS handshake"))
        }
        let result = exchange(TLSChannel(ssl: ssl))
        _ = SSL_shutdown(ssl)
        return .success(result)
    }
}
