import ByteStreams
import FoundationEssentials
import Glibc
import PlainText
import SocketKit

/// Reads one request off a connection by RFC 9112's framing, with a ceiling and a deadline on
/// every part, so a peer that sends half a head, an endless chunked body or one byte a minute
/// is answered (408, 413, 431) and let go instead of holding a descriptor. Ambiguous framing
/// (both Content-Length and Transfer-Encoding, disagreeing lengths, folded fields) is refused:
/// behind a proxy that is how requests are smuggled.
struct RequestReader {
    struct Limits {
        var headBytes = 16 * 1024
        var headerFields = 100
        var headSeconds: TimeInterval = 10
        var bodySeconds: TimeInterval = 60
    }

    /// Why no request could be read, as the status to answer (nil: the peer left; say nothing).
    struct Refusal: Error {
        let status: Int?
        let message: String
    }

    let connection: TCPConnection
    let limits: Limits
    let remote: String

    func head() throws(Refusal) -> HTTPRequest {
        let deadline = Deadline.after(limits.headSeconds)
        var total = 0
        func line() throws(Refusal) -> String {
            do {
                let text = try connection.readLine(
                    until: deadline, maxLength: limits.headBytes, what: "reading the request head")
                total += text.utf8.count + 2
                guard total <= limits.headBytes else {
                    throw Refusal(status: 431, message: "the request head is over \(limits.headBytes) bytes")
                }
                return text
            } catch let error as Refusal {
                throw error
            } catch {
                throw Self.refusal(error, "the request head")
            }
        }
        var requestLine = try line()
        // RFC 9112 §2.2: an empty line before the request line may be ignored (once).
        if requestLine.isEmpty { requestLine = try line() }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy({ $0.isLetter && $0.isUppercase }),
            parts[1].hasPrefix("/")
        else {
            throw Refusal(status: 400, message: "not an HTTP request line")
        }
        guard parts[2] == "HTTP/1.1" || parts[2] == "HTTP/1.0" else {
            throw Refusal(status: 505, message: "only HTTP/1.0 and HTTP/1.1 are spoken here")
        }
        var headers: [(name: String, value: String)] = []
        while true {
            let field = try line()
            if field.isEmpty { break }
            guard headers.count < limits.headerFields else {
                throw Refusal(status: 431, message: "more than \(limits.headerFields) header fields")
            }
            guard let colon = field.firstIndex(of: ":"), colon != field.startIndex,
                !field[..<colon].contains(where: { $0 == " " || $0 == "\t" }), field.first != " ", field.first != "\t"
            else {
                throw Refusal(status: 400, message: "a malformed header field")
            }
            headers.append(
                (
                    String(field[..<colon]).lowercased(),
                    field[field.index(after: colon)...].trimmed()
                ))
        }
        let target = parts[1]
        let question = target.firstIndex(of: "?")
        return HTTPRequest(
            method: String(parts[0]), path: String(target[..<(question ?? target.endIndex)]),
            query: question.map { String(target[target.index(after: $0)...]) }, headers: headers, remote: remote)
    }

    /// The body, at most `limit` bytes: by Content-Length, or chunked (RFC 9112 §7.1).
    func body(of request: HTTPRequest, limit: Int) throws(Refusal) -> [UInt8] {
        let deadline = Deadline.after(limits.bodySeconds)
        let lengths = Set(request.headers.filter { $0.name == "content-length" }.map(\.value))
        let encodings = request.headers.filter { $0.name == "transfer-encoding" }.map { $0.value.lowercased() }
        guard lengths.isEmpty || encodings.isEmpty else {
            throw Refusal(
                status: 400, message: "both Content-Length and Transfer-Encoding: the body's length is ambiguous")
        }
        do {
            if !encodings.isEmpty {
                guard encodings == ["chunked"] else {
                    throw Refusal(status: 501, message: "only the chunked transfer coding is understood")
                }
                return try chunked(limit: limit, deadline: deadline)
            }
            guard lengths.count <= 1 else { throw Refusal(status: 400, message: "Content-Length fields disagree") }
            guard let text = lengths.first else { return [] }
            guard !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber), text.count <= 18,
                let length = Int(text)
            else {
                throw Refusal(status: 400, message: "Content-Length is not a length")
            }
            guard length <= limit else {
                throw Refusal(status: 413, message: "a body of \(length) bytes is over the \(limit)-byte limit")
            }
            return try connection.read(exactly: length, until: deadline, what: "reading the body")
        } catch let error as Refusal {
            throw error
        } catch {
            throw Self.refusal(error, "the body")
        }
    }

    private func chunked(limit: Int, deadline: Deadline) throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let sizeLine = try connection.readLine(until: deadline, maxLength: 1024, what: "reading a chunk size")
            let hex =
                sizeLine.split(separator: ";", maxSplits: 1).first.map { $0.trimmed() } ?? ""
            guard !hex.isEmpty, hex.count <= 15, let size = Int(hex, radix: 16), size >= 0 else {
                throw Refusal(status: 400, message: "a malformed chunk size")
            }
            if size == 0 { break }
            guard body.count + size <= limit else {
                throw Refusal(status: 413, message: "the chunked body is over the \(limit)-byte limit")
            }
            body += try connection.read(exactly: size, until: deadline, what: "reading a chunk")
            guard try connection.readLine(until: deadline, maxLength: 2, what: "reading a chunk end").isEmpty else {
                throw Refusal(status: 400, message: "a chunk longer than its size")
            }
        }
        // Trailer fields are read and ignored, within the head's limits.
        var trailers = 0
        while try !connection.readLine(until: deadline, maxLength: limits.headBytes, what: "reading trailers").isEmpty {
            trailers += 1
            guard trailers <= limits.headerFields else {
                throw Refusal(status: 431, message: "too many trailer fields")
            }
        }
        return body
    }

    private static func refusal(_ error: any Error, _ what: String) -> Refusal {
        switch error as? NetworkError {
        case .timedOut?: Refusal(status: 408, message: "\(what) did not arrive in time")
        case .tooLong?: Refusal(status: 431, message: "a line of \(what) is too long")
        default: Refusal(status: nil, message: "\(what): \(error)")
        }
    }
}
