import DaneModel
import FoundationEssentials
import Glibc

/// A sender's session with one MX address: TCP, banner, EHLO, STARTTLS, the TLS handshake
/// under DANE, EHLO over TLS, QUIT. `STARTTLSProbe` is the real one; tests script one.
public protocol MXSession: Sendable {
    func open(_ request: MXSessionRequest) -> MXSessionResult
}

/// What one session is asked to do.
public struct MXSessionRequest: Sendable, Hashable {
    public var address: String
    public var port: UInt16
    /// The TLSA base domain (SNI and the first reference identifier) and the MX host name.
    public var baseDomain: String
    public var mxHost: String
    /// The TLSA records handed to the DANE verifier (empty: TLS without DANE).
    public var records: [TLSARecordData]
    public var timeout: TimeInterval
    /// When set, the served chain is also judged under WebPKI for `mxHost` (MTA-STS).
    public var webPKI: WebPKICheck?

    public struct WebPKICheck: Sendable, Hashable {
        public var caFile: String?
        public var now: Date
        public init(caFile: String?, now: Date) {
            self.caFile = caFile
            self.now = now
        }
    }

    public init(
        address: String, port: UInt16, baseDomain: String, mxHost: String, records: [TLSARecordData],
        timeout: TimeInterval, webPKI: WebPKICheck? = nil
    ) {
        self.address = address
        self.port = port
        self.baseDomain = baseDomain
        self.mxHost = mxHost
        self.records = records
        self.timeout = timeout
        self.webPKI = webPKI
    }
}

/// How far a session got, as facts.
public struct MXSessionResult: Sendable, Equatable {
    public enum Stage: Sendable, Equatable {
        /// No SMTP session at all: refused, timed out, unreachable.
        case networkError(String)
        /// The server answered, but not as SMTP allows (banner, EHLO).
        case smtpError(String)
        /// STARTTLS not offered or refused.
        case noSTARTTLS(String)
        /// The handshake completed, then the server ended the session (EHLO not answered with 250).
        case refusedAfterTLS(TLSSessionOutcome, String)
        /// The TLS handshake was attempted; the outcome says whether it completed and authenticated.
        case tls(TLSSessionOutcome)

        /// No SMTP session was had (nothing of the server's was read, or the handshake timed out).
        public var isNetworkError: Bool {
            if case .networkError = self { return true }
            return false
        }
    }

    public let stage: Stage
    /// Our end of the connection, when one was made.
    public var localAddress: String?

    public init(stage: Stage, localAddress: String? = nil) {
        self.stage = stage
        self.localAddress = localAddress
    }
}

/// What the server presented in the handshake and what the DANE verifier made of it, as values.
public struct TLSSessionOutcome: Sendable, Equatable {
    /// Why DANE verification failed, as far as a sender distinguishes it.
    public enum VerifyFailure: Sendable, Equatable {
        /// A DANE-TA chain matched, but the certificate does not name the host.
        case hostMismatch
        /// A certificate in the chain has expired.
        case expired
        /// No TLSA record matches (or any other verification failure).
        case noMatch
    }

    /// The TLS handshake itself completed.
    public var completed: Bool
    /// Why the handshake did not complete, in the TLS library's terms.
    public var handshakeError: String?
    /// Some usable TLSA record matched.
    public var authenticated: Bool
    /// Set when the handshake completed but DANE did not authenticate.
    public var verifyFailure: VerifyFailure?
    /// The verifier's own words (a TLS-RPT failure-reason-code).
    public var verifyMessage: String
    /// The record that matched.
    public var matched: TLSARecordData?
    /// The certificates the server sent, leaf first.
    public var chain: [PresentedCertificate]
    public var protocolVersion: String?
    public var cipher: String?
    /// The chain under WebPKI for the MX name, when the request asked for it.
    public var webPKI: WebPKIVerdict?

    public init(
        completed: Bool, handshakeError: String? = nil, authenticated: Bool, verifyFailure: VerifyFailure? = nil,
        verifyMessage: String = "", matched: TLSARecordData? = nil, chain: [PresentedCertificate],
        protocolVersion: String? = nil,
        cipher: String? = nil, webPKI: WebPKIVerdict? = nil
    ) {
        self.completed = completed
        self.handshakeError = handshakeError
        self.authenticated = authenticated
        self.verifyFailure = verifyFailure
        self.verifyMessage = verifyMessage
        self.matched = matched
        self.chain = chain
        self.protocolVersion = protocolVersion
        self.cipher = cipher
        self.webPKI = webPKI
    }

    /// SHA-256 of the leaf's SubjectPublicKeyInfo: its `3 1 1` data.
    public var presentedSPKISHA256: [UInt8]? { chain.first.flatMap { Hex.decode($0.spkiSHA256) } }
}

/// `KeyProbe` over an MX session: the rollover gate's question asked the way a sender would.
struct MXSessionKeyProbe: KeyProbe {
    let session: any MXSession
    let timeout: TimeInterval

    func probe(address: String, endpoint: TLSAEndpoint, records: [TLSARecordData]) -> ServedKey {
        let result = session.open(
            MXSessionRequest(
                address: address, port: endpoint.port, baseDomain: endpoint.base.fqdn,
                mxHost: endpoint.host.fqdn, records: records, timeout: timeout))
        switch result.stage {
        case .networkError(let why):
            return ServedKey(outcome: .unreachable(why), presentedSPKISHA256: nil)
        case .noSTARTTLS(let why), .smtpError(let why):
            return ServedKey(outcome: .failed(why), presentedSPKISHA256: nil)
        case .refusedAfterTLS(let handshake, let why):
            // The key may match, but no mail gets through: not a state to call safe.
            return ServedKey(outcome: .failed(why), presentedSPKISHA256: handshake.presentedSPKISHA256)
        case .tls(let handshake):
            guard handshake.completed else {
                return ServedKey(
                    outcome: .failed(handshake.handshakeError ?? "the TLS handshake failed"),
                    presentedSPKISHA256: handshake.presentedSPKISHA256)
            }
            if handshake.authenticated, let matched = handshake.matched {
                return ServedKey(outcome: .matched(matched), presentedSPKISHA256: handshake.presentedSPKISHA256)
            }
            return ServedKey(outcome: .mismatched, presentedSPKISHA256: handshake.presentedSPKISHA256)
        }
    }
}
