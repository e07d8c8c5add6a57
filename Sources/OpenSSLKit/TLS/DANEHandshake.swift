internal import COpenSSL
internal import COpenSSLShims
import FoundationEssentials

/// A TLSA record handed to OpenSSL's DANE verifier.
public struct DANERecord: Sendable, Hashable {
    public let usage: UInt8
    public let selector: UInt8
    public let matchingType: UInt8
    public let data: [UInt8]

    public init(usage: UInt8, selector: UInt8, matchingType: UInt8, data: [UInt8]) {
        self.usage = usage
        self.selector = selector
        self.matchingType = matchingType
        self.data = data
    }
}

/// What the server presented and what OpenSSL's DANE verifier (the one Postfix uses) made of it.
public struct DANEHandshakeOutcome: Sendable {
    /// The TLS handshake itself completed.
    public let completed: Bool
    /// Why the handshake did not complete.
    public let handshakeError: String?
    /// X509_V_OK under DANE: some usable TLSA record matched.
    public let authenticated: Bool
    public let verifyCode: Int
    public let verifyMessage: String
    /// The record that matched, and the chain depth it matched at.
    public let matched: DANERecord?
    public let matchedDepth: Int?
    /// The certificates the server sent, leaf first.
    public let chain: [Certificate]
    public let protocolVersion: String?
    public let cipher: String?
}

/// Runs a TLS client handshake on an already-connected socket with DANE verification
/// (RFC 7672 §3): SNI and the first reference identifier are the TLSA base domain, DANE-EE
/// ignores names (DANE_FLAG_NO_DANE_EE_NAMECHECKS), DANE-TA checks the extra names too.
public enum DANEHandshake {
    /// `exchange` runs on the established session (e.g. EHLO, then QUIT) before it is closed;
    /// a server that refuses the session only after the handshake (one demanding a client
    /// certificate, say) is found there. It does not run when the handshake fails.
    public static func run<T>(
        fd: Int32, baseDomain: String, extraNames: [String], records: [DANERecord],
        exchange: (TLSChannel) -> T
    ) -> (DANEHandshakeOutcome, T?) {
        OpenSSLError.clearQueue()
        defer { OpenSSLError.clearQueue() }
        func failed(_ message: String) -> (DANEHandshakeOutcome, T?) {
            (
                DANEHandshakeOutcome(
                    completed: false, handshakeError: message, authenticated: false, verifyCode: -1, verifyMessage: "",
                    matched: nil, matchedDepth: nil, chain: [], protocolVersion: nil, cipher: nil), nil
            )
        }
        guard let ctx = SSL_CTX_new(TLS_client_method()) else { return failed("cannot create a TLS context") }
        defer { SSL_CTX_free(ctx) }
        guard SSL_CTX_dane_enable(ctx) > 0 else { return failed("this OpenSSL has no DANE support") }
        guard let ssl = SSL_new(ctx) else { return failed("cannot create a TLS session") }
        defer { SSL_free(ssl) }
        let base = baseDomain.hasSuffix(".") ? String(baseDomain.dropLast()) : baseDomain
        SSL_set_verify(ssl, SSL_VERIFY_NONE, nil)  // finish the handshake, then read the verdict
        _ = danectl_SSL_set_tlsext_host_name(ssl, base)
        guard SSL_dane_enable(ssl, base) > 0 else { return failed("cannot enable DANE for \(base)") }
        SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
        _ = SSL_dane_set_flags(ssl, UInt(DANE_FLAG_NO_DANE_EE_NAMECHECKS))
        for name in extraNames {
            let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
            if trimmed != base { _ = SSL_add1_host(ssl, trimmed) }
        }
        var usable = 0
        for record in records {
            let added = record.data.withUnsafeBufferPointer {
                SSL_dane_tlsa_add(ssl, record.usage, record.selector, record.matchingType, $0.baseAddress, $0.count)
            }
            if added > 0 { usable += 1 }
        }
        OpenSSLError.clearQueue()
        guard SSL_set_fd(ssl, fd) == 1 else { return failed("cannot attach TLS to the connection") }
        let connected = SSL_connect(ssl)
        if connected != 1 {
            let kind = SSL_get_error(ssl, connected)
            let reason = OpenSSLError.drainReasons().first ?? ""
            if !reason.isEmpty { return failed("the TLS handshake failed: \(reason)") }
            let what =
                switch kind {
                case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: "timed out during the TLS handshake"
                case SSL_ERROR_ZERO_RETURN, SSL_ERROR_SYSCALL:
                    "the server closed the connection during the TLS handshake"
                default: "the TLS handshake failed"
                }
            return failed(what)
        }
        var chain: [Certificate] = []
        if let stack = SSL_get_peer_cert_chain(ssl) {
            for i in 0..<OPENSSL_sk_num(stack) {
                if let raw = OPENSSL_sk_value(stack, i) {
                    let x509 = OpaquePointer(raw)
                    X509_up_ref(x509)
                    chain.append(Certificate(owning: x509))
                }
            }
        }
        let code = Int(SSL_get_verify_result(ssl))
        let message = String(cString: X509_verify_cert_error_string(Int(code)))
        var usage: UInt8 = 0, selector: UInt8 = 0, mtype: UInt8 = 0
        var data: UnsafePointer<UInt8>?
        var length = 0
        let depth = SSL_get0_dane_tlsa(ssl, &usage, &selector, &mtype, &data, &length)
        let matched =
            depth >= 0 && data != nil
            ? DANERecord(
                usage: usage, selector: selector, matchingType: mtype,
                data: Array(UnsafeBufferPointer(start: data, count: length)))
            : nil
        let version = SSL_get_version(ssl).map { String(cString: $0) }
        let cipher = SSL_get_current_cipher(ssl).flatMap { SSL_CIPHER_get_name($0) }.map { String(cString: $0) }
        let exchanged = exchange(TLSChannel(ssl: ssl))
        OpenSSLError.clearQueue()
        _ = SSL_shutdown(ssl)
        return (
            DANEHandshakeOutcome(
                completed: true, handshakeError: nil, authenticated: usable > 0 && code == X509_V_OK,
                verifyCode: code, verifyMessage: message, matched: matched, matchedDepth: depth >= 0 ? Int(depth) : nil,
                chain: chain, protocolVersion: version, cipher: cipher), exchanged
        )
    }
}
