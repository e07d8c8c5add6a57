import FoundationEssentials
import PlainText

/// A TSIG key (RFC 8945) as the server operator hands it over: the file `tsig-keygen` (BIND)
/// or `keymgr -t` (Knot) writes, or the one-line `[algorithm:]name:secret` that `nsupdate -y`
/// and `kdig -y` take. The secret stays in memory only; it is never printed, and no error
/// repeats a word of the file (in a malformed file the secret may sit anywhere).
public struct TSIGKey: Sendable, Equatable {
    /// The HMACs RFC 8945 §6 lists (and BIND/Knot accept); SHA-256 is the default everywhere.
    public static let algorithms = [
        "hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1", "hmac-md5",
    ]

    public let name: DNSName
    public let algorithm: String
    /// The secret, base64 as in the file (ldns and the wire both want it that way).
    public let secret: String

    public init(name: DNSName, algorithm: String, secret: String) {
        self.name = name
        self.algorithm = algorithm
        self.secret = secret
    }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let line: Int?
        public let message: String
        public var description: String { message }
    }

    /// Reads the one key in `text`; a file holding several keys is refused (which one was meant?).
    public init(text: String) throws(ParseError) {
        let trimmed = text.trimmed(.whitespacesAndNewlines)
        let keys: [(name: String, algorithm: String?, secret: String?, line: Int)]
        if trimmed.contains("{") {
            keys = try Self.bindKeys(text)
        } else if trimmed.hasPrefix("key:") || text.contains("\nkey:") {
            keys = try Self.knotKeys(text)
        } else if !trimmed.contains("\n"), trimmed.split(separator: ":").count >= 2 {
            let parts = trimmed.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            keys =
                parts.count == 3
                ? [(parts[1], parts[0], parts[2], 1)]
                : [(parts[0], "hmac-sha256", parts.dropFirst().joined(separator: ":"), 1)]
        } else {
            throw ParseError(
                line: nil,
                message: "not a TSIG key file: expected what tsig-keygen or keymgr -t write, or ALGORITHM:NAME:SECRET")
        }
        guard keys.count == 1, let key = keys.first else {
            throw ParseError(
                line: nil,
                message: keys.isEmpty
                    ? "no TSIG key found" : "\(keys.count) TSIG keys found; give a file with exactly one")
        }
        let algorithm = (key.algorithm ?? "").lowercased().trimmed(.characters(in: "."))
        guard Self.algorithms.contains(algorithm) else {
            throw ParseError(
                line: key.line,
                message: key.algorithm == nil
                    ? "the key has no algorithm"
                    : "the key's algorithm is not one of \(Self.algorithms.joined(separator: ", "))")
        }
        guard let secret = key.secret, !secret.isEmpty, let bytes = Data(base64Encoded: secret), bytes.count >= 10
        else {
            throw ParseError(line: key.line, message: "the key has no valid base64 secret (at least 10 bytes)")
        }
        guard !key.name.isEmpty, let name = DNSName(presentation: key.name), !name.labels.isEmpty else {
            throw ParseError(line: key.line, message: "the key name is not a valid DNS name")
        }
        self.init(name: name, algorithm: algorithm, secret: secret)
    }

    /// `key "name" { algorithm A; secret "S"; };`, with `#`, `//` and `/* */` comments.
    static func bindKeys(
        _ text: String
    ) throws(ParseError) -> [(name: String, algorithm: String?, secret: String?, line: Int)] {
        var tokens: [(String, Int)] = []
        var line = 1
        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            if c == "\n" { line += 1; index = text.index(after: index); continue }
            if c.isWhitespace { index = text.index(after: index); continue }
            let rest = text[index...]
            if c == "#" || rest.hasPrefix("//") {
                index = text[index...].firstIndex(of: "\n") ?? text.endIndex
                continue
            }
            if rest.hasPrefix("/*") {
                guard let end = rest.firstRange(of: "*/") else {
                    throw ParseError(line: line, message: "unterminated /* comment")
                }
                line += rest[..<end.lowerBound].filter { $0 == "\n" }.count
                index = end.upperBound
                continue
            }
            if c == "{" || c == "}" || c == ";" {
                tokens.append((String(c), line)); index = text.index(after: index); continue
            }
            if c == "\"" {
                let start = text.index(after: index)
                guard let close = text[start...].firstIndex(of: "\"") else {
                    throw ParseError(line: line, message: "unterminated quoted string")
                }
                tokens.append((String(text[start..<close]), line))
                index = text.index(after: close)
                continue
            }
            var end = index
            while end < text.endIndex, !text[end].isWhitespace, !"{};\"".contains(text[end]) {
                end = text.index(after: end)
            }
            tokens.append((String(text[index..<end]), line))
            index = end
        }
        var keys: [(name: String, algorithm: String?, secret: String?, line: Int)] = []
        var i = 0
        func next() -> (String, Int)? { defer { i += 1 }; return i < tokens.count ? tokens[i] : nil }
        while let (word, at) = next() {
            guard word == "key" else {
                throw ParseError(line: at, message: "unexpected text where key \"NAME\" { ... }; belongs")
            }
            guard let (name, _) = next(), let (open, openLine) = next(), open == "{" else {
                throw ParseError(line: at, message: "expected key \"NAME\" {")
            }
            var algorithm: String?, secret: String?
            while true {
                guard let (field, fieldLine) = next() else {
                    throw ParseError(line: openLine, message: "the key is not closed with };")
                }
                if field == "}" { break }
                guard let (value, _) = next(), let (semicolon, _) = next(), semicolon == ";" else {
                    // Only a known keyword is named: any other word here might be the secret itself.
                    let named = ["algorithm", "secret"].contains(field) ? field : "a field"
                    throw ParseError(
                        line: fieldLine,
                        message: named == "a field"
                            ? "a field needs a value and a closing semicolon: FIELD VALUE;"
                            : "\"\(named)\" needs a value and a closing semicolon: \(named) VALUE;")
                }
                switch field {
                case "algorithm": algorithm = value
                case "secret": secret = value
                default: throw ParseError(line: fieldLine, message: "an unknown key field (expected algorithm, secret)")
                }
            }
            if let (semicolon, _) = next(), semicolon != ";" { i -= 1 }
            keys.append((name, algorithm, secret, at))
        }
        return keys
    }

    /// Knot's `keymgr -t` YAML: `key:` then `- id:`, `algorithm:`, `secret:` items.
    static func knotKeys(
        _ text: String
    ) throws(ParseError) -> [(name: String, algorithm: String?, secret: String?, line: Int)] {
        var keys: [(name: String, algorithm: String?, secret: String?, line: Int)] = []
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line =
                raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            var content = line.trimmed()
            if content.isEmpty || content == "key:" { continue }
            let startsItem = content.hasPrefix("- ")
            if startsItem { content = String(content.dropFirst(2)).trimmed() }
            guard let colon = content.firstIndex(of: ":") else {
                throw ParseError(line: offset + 1, message: "expected FIELD: VALUE")
            }
            let field = content[..<colon].trimmed()
            let value = content[content.index(after: colon)...].trimmed().trimmed(.characters(in: "\"'"))
            if startsItem { keys.append(("", nil, nil, offset + 1)) }
            guard !keys.isEmpty else { throw ParseError(line: offset + 1, message: "a field outside a - id: item") }
            switch field {
            case "id": keys[keys.count - 1].name = value
            case "algorithm": keys[keys.count - 1].algorithm = value
            case "secret": keys[keys.count - 1].secret = value
            default:
                throw ParseError(line: offset + 1, message: "an unknown key field (expected id, algorithm, secret)")
            }
        }
        return keys
    }
}
