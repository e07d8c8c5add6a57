import ByteStreams
import DaneModel
import Dispatch
import FoundationEssentials
import Glibc
import OpenSSLKit
import SocketKit

/// Where STARTTLS happens: connect to port 25, read the banner, EHLO, STARTTLS, then the TLS
/// handshake under OpenSSL's DANE verifier, EHLO over TLS, then QUIT, all within one deadline.
/// The real `MXSession`.
public struct STARTTLSProbe: MXSession {
    public var heloName: String = "danectl.invalid"

    public init() {}

    public func open(_ request: MXSessionRequest) -> MXSessionResult {
        let timeout = request.timeout
        let deadline = Deadline.after(timeout)
        let connection: TCPConnection
        do {
            connection = try TCPConnection.connect(ip: request.address, port: request.port, timeout: timeout)
        } catch {
            return MXSessionResult(stage: .networkError(error.description))
        }
        let local = connection.localAddress
        func result(_ stage: MXSessionResult.Stage) -> MXSessionResult {
            MXSessionResult(stage: stage, localAddress: local)
        }
        // The overall deadline also ends a TLS handshake that a server drips out byte by byte
        // (plain-text reads stop at the deadline on their own; this is the backstop).
        let watchdog = DispatchWorkItem { connection.shutDown() }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout + 0.25, execute: watchdog)
        defer { watchdog.cancel() }
        do {
            let banner = try readReply(connection, deadline, "waiting for the banner")
            guard banner.code == 220 else {
                return result(
                    .smtpError(
                        "the server greeted with \(banner.code) \(TerminalText.visible(banner.text, limit: 200)) instead of 220"
                    ))
            }
            try connection.write("EHLO \(heloName)\r\n", until: deadline)
            let ehlo = try readReply(connection, deadline, "waiting for the EHLO reply")
            guard ehlo.code == 250 else {
                return result(
                    .smtpError("EHLO was answered with \(ehlo.code) \(TerminalText.visible(ehlo.text, limit: 200))"))
            }
            guard ehlo.lines.dropFirst().contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else {
                return result(.noSTARTTLS("the EHLO reply does not offer STARTTLS"))
            }
            try connection.write("STARTTLS\r\n", until: deadline)
            let ready = try readReply(connection, deadline, "waiting for the STARTTLS reply")
            guard ready.code == 220 else {
                return result(
                    .noSTARTTLS(
                        "STARTTLS was refused with \(ready.code) \(TerminalText.visible(ready.text, limit: 200))"))
            }
            guard !connection.hasBufferedBytes else {
                return result(.smtpError("the server sent data after its STARTTLS reply (possible command injection)"))
            }
        } catch let error as SMTPReplyError {
            return result(.smtpError(error.description))
        } catch let error as NetworkError {
            return result(.networkError(error.description))
        } catch {
            return result(.networkError("\(error)"))
        }
        connection.makeBlocking(timeout: max(0.5, deadline.remaining))
        let (handshake, refusal) = DANEHandshake.run(
            fd: connection.fd, baseDomain: request.baseDomain, extraNames: [request.mxHost],
            records: request.records.map(DANERecord.init)
        ) { channel in
            sessionRefusal(channel)
        }
        if !handshake.completed && deadline.adding(-0.05).hasPassed {
            return result(.networkError("timed out during the TLS handshake"))
        }
        let outcome = Self.outcome(handshake, request)
        if let refusal = refusal ?? nil { return result(.refusedAfterTLS(outcome, refusal)) }
        return result(.tls(outcome))
    }

    /// OpenSSL's outcome as values: the chain summarised, the verify code as a sender reads it,
    /// and the chain under WebPKI when asked.
    static func outcome(_ handshake: DANEHandshakeOutcome, _ request: MXSessionRequest) -> TLSSessionOutcome {
        var failure: TLSSessionOutcome.VerifyFailure?
        if handshake.completed && !handshake.authenticated && handshake.verifyCode != 0 {
            failure =
                switch Int32(handshake.verifyCode) {
                case X509VerifyCodes.hostnameMismatch: .hostMismatch
                case X509VerifyCodes.certificateExpired: .expired
                default: .noMatch
                }
        }
        var webPKI: WebPKIVerdict?
        if let check = request.webPKI, handshake.completed, !handshake.chain.isEmpty {
            webPKI = Self.webPKIVerdict(handshake.chain, host: request.mxHost, check)
        }
        return TLSSessionOutcome(
            completed: handshake.completed, handshakeError: handshake.handshakeError,
            authenticated: handshake.authenticated,
            verifyFailure: failure, verifyMessage: handshake.verifyMessage,
            matched: handshake.matched.map(TLSARecordData.init),
            chain: handshake.chain.map(Self.summary), protocolVersion: handshake.protocolVersion,
            cipher: handshake.cipher,
            webPKI: webPKI)
    }

    /// The served chain under WebPKI for the MX name (not the TLSA base): what an MTA-STS sender requires.
    static func webPKIVerdict(
        _ chain: [Certificate], host: String, _ check: MXSessionRequest.WebPKICheck
    ) -> WebPKIVerdict {
        guard let failure = WebPKI.failure(chain: chain, hostName: host, caFile: check.caFile, now: check.now) else {
            return WebPKIVerdict(valid: true, problem: nil, resultType: nil)
        }
        let type: TLSRPTResultType =
            switch failure.kind {
            case .hostMismatch: .certificateHostMismatch
            case .expired: .certificateExpired
            case .untrusted: .certificateNotTrusted
            }
        return WebPKIVerdict(valid: false, problem: failure.description, resultType: type)
    }

    static func summary(_ certificate: Certificate) -> PresentedCertificate {
        PresentedCertificate(
            subject: certificate.subject, issuer: certificate.issuer,
            spkiSHA256: TLSAAssociation.spkiSHA256(certificate.subjectPublicKeyInfoDER),
            notBefore: certificate.notBefore, notAfter: certificate.notAfter)
    }

    /// A sender's session goes on with EHLO over TLS: a server that answers it with anything
    /// but 250 (one demanding a client certificate answers 421) loses the mail although the
    /// handshake passed. Returns why, or nil when the session would go on; then says QUIT.
    func sessionRefusal(_ channel: TLSChannel) -> String? {
        do {
            try channel.write("EHLO \(heloName)\r\n")
            let reply = try readReply("waiting for the EHLO reply over TLS") { what in
                try channel.readLine(maxLength: 4096, what: what)
            }
            guard reply.code == 250 else {
                return
                    "the server answered EHLO over TLS with \(reply.code) \(TerminalText.visible(reply.text, limit: 200))"
            }
            try? channel.write("QUIT\r\n")
            return nil
        } catch let error as SMTPReplyError {
            return error.description
        } catch let error as TLSChannelError {
            return error.description
        } catch {
            return "\(error)"
        }
    }

    struct Reply {
        let code: Int
        let lines: [String]
        var text: String { lines.first ?? "" }
    }

    struct SMTPReplyError: Error, CustomStringConvertible {
        let description: String
    }

    /// One SMTP reply (RFC 5321 §4.2): lines `NNN-text` ending with `NNN text`, all one code.
    func readReply(_ connection: TCPConnection, _ deadline: Deadline, _ what: String) throws -> Reply {
        try readReply(what) { what in try connection.readLine(until: deadline, maxLength: 4096, what: what) }
    }

    func readReply(_ what: String, nextLine: (String) throws -> String) throws -> Reply {
        var lines: [String] = []
        var code: Int?
        var total = 0
        while true {
            let line = try nextLine(what)
            total += line.utf8.count
            guard lines.count < 200 else {
                throw SMTPReplyError(
                    description: "more than 200 reply lines (\(what)); senders give up on such replies")
            }
            guard total < 65_536 else {
                throw SMTPReplyError(description: "the server's reply is too long (\(total) bytes)")
            }
            let bytes = Array(line.utf8)
            guard bytes.count >= 3, let number = Int(String(decoding: bytes[0..<3], as: UTF8.self)),
                (200...599).contains(number),
                bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-")
            else {
                let shown = String(line.prefix(40)).unicodeScalars.map {
                    $0.isASCII && $0.value >= 0x20 ? String($0) : "?"
                }.joined()
                throw SMTPReplyError(description: "the server sent \"\(shown)\" where an SMTP reply code belongs")
            }
            if let code, code != number {
                throw SMTPReplyError(description: "the server mixed reply codes \(code) and \(number)")
            }
            code = number
            lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
            if bytes.count == 3 || bytes[3] == UInt8(ascii: " ") { return Reply(code: number, lines: lines) }
        }
    }
}
