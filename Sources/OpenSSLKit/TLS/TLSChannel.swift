import ByteStreams
internal import COpenSSL
import FoundationEssentials
import Glibc

/// Why reading or writing over an established TLS session stopped.
public struct TLSChannelError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a fact callers decide on (never the wording).
    public enum Kind: Sendable, Equatable {
        /// The peer's certificate failed verification (WebPKI or DANE).
        case certificateInvalid
        /// Anything else: setup, the handshake, reading or writing.
        case other
    }

    public let kind: Kind
    public let description: String
    public init(_ kind: Kind = .other, description: String) {
        self.kind = kind
        self.description = description
    }
}

/// Lines over an established TLS session, for the few commands a probe sends after the
/// handshake (EHLO, QUIT). Valid only inside the closure `DANEHandshake.run` hands it to.
public final class TLSChannel {
    private let ssl: OpaquePointer
    private var buffer = ReceiveBuffer()

    init(ssl: OpaquePointer) { self.ssl = ssl }

    public func write(_ text: String) throws(TLSChannelError) {
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBufferPointer { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
            guard n > 0 else { throw failure(n, "sending") }
            written += Int(n)
        }
    }

    /// One line up to LF, without CR LF; at most `maxLength` bytes.
    public func readLine(maxLength: Int, what: String) throws(TLSChannelError) -> String {
        let tooLong = { (limit: Int) in
            TLSChannelError(description: "the server sent a line longer than \(limit) bytes \(what)")
        }
        return try buffer.readLine(maxLength: maxLength, tooLong: tooLong) { () throws(TLSChannelError) in
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = SSL_read(ssl, &chunk, Int32(chunk.count))
            guard n > 0 else { throw failure(n, what) }
            return chunk[..<Int(n)]
        }
    }

    /// Up to `count` bytes, fewer only when the peer ends the session first; throws when more
    /// than `limit` would be needed (nil `count`: everything until the peer ends the session).
    public func read(count: Int?, limit: Int, what: String) throws(TLSChannelError) -> [UInt8] {
        if let count, count < 0 { throw TLSChannelError(description: "\(what): a negative length (\(count))") }
        if let count, count > limit {
            throw TLSChannelError(description: "\(what): \(count) bytes is over the \(limit)-byte limit")
        }
        var out = buffer.take(atMost: buffer.count)
        while count.map({ out.count < $0 }) ?? true {
            guard out.count <= limit else { throw TLSChannelError(description: "\(what): more than \(limit) bytes") }
            var chunk = [UInt8](repeating: 0, count: 16_384)
            let n = SSL_read(ssl, &chunk, Int32(chunk.count))
            if n <= 0 {
                let kind = SSL_get_error(ssl, n)
                // The end of a close-delimited body: a close_notify, or (as many servers do) a bare close.
                if count == nil && (kind == SSL_ERROR_ZERO_RETURN || kind == SSL_ERROR_SYSCALL) {
                    OpenSSLError.clearQueue(); break
                }
                throw failure(n, what)
            }
            out += chunk[..<Int(n)]
        }
        if let count, out.count > count {
            buffer.append(out[count...])
            out = Array(out[..<count])
        }
        guard out.count <= limit else { throw TLSChannelError(description: "\(what): more than \(limit) bytes") }
        return out
    }

    /// Names what happened in words an operator can act on (never errno text for TLS errors).
    private func failure(_ result: Int32, _ what: String) -> TLSChannelError {
        let kind = SSL_get_error(ssl, result)
        let queued = OpenSSLError.drainReasons().first ?? ""
        let text: String =
            switch kind {
            case SSL_ERROR_ZERO_RETURN: "the server ended the TLS session \(what)"
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: "timed out \(what)"
            case SSL_ERROR_SYSCALL: "the server closed the connection \(what)"
            default: queued.isEmpty ? "TLS failed \(what)" : "TLS failed \(what): \(queued)"
            }
        return TLSChannelError(description: text)
    }
}
