import FoundationEssentials
import PlainText

/// Finds the report in an e-mail as RFC 8460 §5.3 has senders send it: a
/// `multipart/report; report-type=tlsrpt` message whose report part is
/// `application/tlsrpt+gzip` (or `+json`), usually base64. Only the MIME needed for that
/// (RFC 2045/2046: headers, unfolding, boundaries, base64, quoted-printable) lives here.
public enum ReportMail {
    /// One report part: its bytes as transferred-decoded (still gzip when `gzipped`).
    public struct Part: Sendable, Equatable {
        public let contentType: String
        public let data: Data
        public var gzipped: Bool { contentType.hasSuffix("gzip") || data.starts(with: [0x1F, 0x8B]) }
    }

    public struct NotAReport: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// True when the bytes start like an RFC 5322 message (a header field) rather than JSON or gzip.
    public static func looksLikeMail(_ data: Data) -> Bool {
        guard let first = data.first, first != UInt8(ascii: "{"), first != 0x1F else { return false }
        let head = String(decoding: data.prefix(2048), as: UTF8.self)
        guard let line = head.split(separator: "\n", maxSplits: 1).first else { return false }
        // An mbox "From sender date" line (Postfix local(8) puts one first); its date has colons.
        if line.hasPrefix("From ") { return true }
        guard let colon = line.firstIndex(of: ":") else { return false }
        return !line[..<colon].isEmpty && !line[..<colon].contains(" ")
    }

    /// The report parts of a message, outermost first. Throws when there is none.
    public static func reportParts(of message: Data, depthLimit: Int = 8) throws(NotAReport) -> [Part] {
        var found: [Part] = []
        collect(Entity(message), depth: 0, limit: depthLimit, into: &found)
        guard !found.isEmpty else {
            throw NotAReport(
                description: "an e-mail without an application/tlsrpt+gzip or application/tlsrpt+json part")
        }
        return found
    }

    private static func collect(_ entity: Entity, depth: Int, limit: Int, into found: inout [Part]) {
        let type = entity.contentType
        if type.value.hasPrefix("multipart/"), depth < limit, let boundary = type.parameters["boundary"],
            !boundary.isEmpty
        {
            for part in split(entity.body, boundary: boundary) {
                collect(Entity(part), depth: depth + 1, limit: limit, into: &found)
            }
            return
        }
        let name = (type.parameters["name"] ?? entity.dispositionFilename ?? "").lowercased()
        let isReport =
            type.value == "application/tlsrpt+gzip" || type.value == "application/tlsrpt+json"
            // Some senders label the part generically; the file name then says what it is.
            || ((type.value == "application/gzip" || type.value == "application/x-gzip"
                || type.value == "application/octet-stream"
                || type.value == "application/json") && (name.hasSuffix(".json.gz") || name.hasSuffix(".json")))
        guard isReport else { return }
        found.append(Part(contentType: type.value, data: entity.decodedBody))
    }

    /// The body parts between `--boundary` lines (RFC 2046 §5.1.1), without preamble and epilogue.
    /// Lines are walked as ranges over the message, never copied one by one: 30 MiB of short
    /// lines costs 30 MiB, not gigabytes.
    static func split(_ body: Data, boundary: String) -> [Data] {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [Data] = []
        var current: Range<Data.Index>?
        for line in LineRanges(data: body) {
            var contentEnd = line.content.upperBound
            while contentEnd > line.content.lowerBound, body[contentEnd - 1] == 0x20 || body[contentEnd - 1] == 0x09 {
                contentEnd -= 1
            }
            let trimmed = body[line.content.lowerBound..<contentEnd]
            if trimmed.starts(with: delimiter) {
                let rest = trimmed.dropFirst(delimiter.count)
                if let part = current { parts.append(Data(body[part]).droppingFinalLineBreak) }
                if rest.starts(with: [UInt8(ascii: "-"), UInt8(ascii: "-")]) { return parts }
                if rest.isEmpty { current = line.whole.upperBound..<line.whole.upperBound; continue }
            }
            if let part = current { current = part.lowerBound..<line.whole.upperBound }
        }
        if let part = current { parts.append(Data(body[part]).droppingFinalLineBreak) }
        return parts
    }

    /// The lines of a message as ranges: the content (without CR LF or LF) and the whole line.
    struct LineRanges: Sequence, IteratorProtocol {
        let data: Data
        var start: Data.Index

        init(data: Data) {
            self.data = data
            start = data.startIndex
        }

        mutating func next() -> (content: Range<Data.Index>, whole: Range<Data.Index>)? {
            guard start < data.endIndex else { return nil }
            let lineStart = start
            guard let newline = data[lineStart...].firstIndex(of: 0x0A) else {
                start = data.endIndex
                return (lineStart..<data.endIndex, lineStart..<data.endIndex)
            }
            start = newline + 1
            let end = newline > lineStart && data[newline - 1] == 0x0D ? newline - 1 : newline
            return (lineStart..<end, lineStart..<(newline + 1))
        }
    }

    /// A MIME entity: unfolded header fields and the body after the first empty line.
    struct Entity {
        var headers: [(name: String, value: String)] = []
        var body = Data()

        /// Header fields past this many are not read (a message of them is no report).
        static let headerLimit = 200

        init(_ data: Data) {
            var bodyStart = data.endIndex
            for line in LineRanges(data: data) {
                if line.content.isEmpty {
                    bodyStart = line.whole.upperBound
                    break
                }
                guard headers.count < Self.headerLimit else { continue }
                let text = String(decoding: data[line.content], as: UTF8.self)
                if let first = text.first, first == " " || first == "\t", !headers.isEmpty {
                    // Folded lines, up to 64 KiB a field: no report needs more.
                    guard headers[headers.count - 1].value.utf8.count < 65_536 else { continue }
                    headers[headers.count - 1].value += " " + text.trimmed()
                } else if let colon = text.firstIndex(of: ":") {
                    headers.append(
                        (
                            String(text[..<colon]).lowercased(),
                            String(text[text.index(after: colon)...]).trimmed()
                        ))
                }
            }
            body = bodyStart < data.endIndex ? Data(data[bodyStart...]) : Data()
        }

        func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }

        var contentType: HeaderValue { HeaderValue(header("content-type") ?? "text/plain") }

        var dispositionFilename: String? {
            header("content-disposition").flatMap { HeaderValue($0).parameters["filename"] }
        }

        var decodedBody: Data {
            switch (header("content-transfer-encoding") ?? "7bit").lowercased() {
            case "base64": Data(base64Encoded: body, options: .ignoreUnknownCharacters) ?? Data()
            case "quoted-printable": QuotedPrintable.decode(body)
            default: body
            }
        }
    }

    /// `type/subtype; name=value; name="quoted value"`, names lower-cased.
    struct HeaderValue {
        let value: String
        let parameters: [String: String]

        init(_ text: String) {
            var pieces: [String] = []
            var current = ""
            var quoted = false
            for character in text {
                if character == "\"" { quoted.toggle(); continue }
                if character == ";" && !quoted { pieces.append(current); current = ""; continue }
                current.append(character)
            }
            pieces.append(current)
            value = pieces[0].trimmed().lowercased()
            var parameters: [String: String] = [:]
            for piece in pieces.dropFirst() {
                guard let equals = piece.firstIndex(of: "=") else { continue }
                let name = piece[..<equals].trimmed().lowercased()
                parameters[name] = piece[piece.index(after: equals)...].trimmed()
            }
            self.parameters = parameters
        }
    }
}

enum QuotedPrintable {
    static func decode(_ data: Data) -> Data {
        var out = Data()
        var bytes = Array(data)[...]
        while let byte = bytes.popFirst() {
            guard byte == UInt8(ascii: "=") else { out.append(byte); continue }
            if bytes.first == 0x0D { bytes = bytes.dropFirst() }
            if bytes.first == 0x0A { bytes = bytes.dropFirst(); continue }  // soft line break
            let hex = String(decoding: bytes.prefix(2), as: UTF8.self)
            if hex.count == 2, let value = UInt8(hex, radix: 16) {
                out.append(value)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(byte)
            }
        }
        return out
    }
}

private extension Data {
    /// The CRLF before a boundary belongs to the boundary (RFC 2046 §5.1.1).
    var droppingFinalLineBreak: Data {
        var copy = self
        if copy.last == 0x0A { copy.removeLast() }
        if copy.last == 0x0D { copy.removeLast() }
        return copy
    }
}
