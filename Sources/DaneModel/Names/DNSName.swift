/// A fully qualified domain name in lower case, kept as labels without the root.
///
/// Host names are checked against the LDH rule (RFC 1123 §2.1, RFC 5890 A-labels); owner
/// names such as `_25._tcp.mx.example.com` are built from checked names, never parsed.
public struct DNSName: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let labels: [String]

    public init(labels: [String]) {
        // Most names arrive lower-case already; lowercasing each label anyway copied it.
        self.labels = labels.map { label in
            label.utf8.allSatisfy { $0 < 0x80 && !(0x41...0x5a).contains($0) } ? label : label.lowercased()
        }
    }

    public enum ParseError: Error, Sendable, CustomStringConvertible {
        case empty, tooLong(Int), emptyLabel, labelTooLong(String), badCharacter(Character, String),
            hyphenAtEdge(String), nonASCII, allNumeric

        public var description: String {
            switch self {
            case .empty: "the name is empty"
            case .tooLong(let n): "the name is \(n) bytes long; DNS allows 253"
            case .emptyLabel: "the name has an empty label (two dots in a row, or a leading dot)"
            case .labelTooLong(let l): "label \"\(l)\" is longer than 63 bytes"
            case .badCharacter(let c, let l):
                "label \"\(l)\" has \"\(c)\"; host names use letters, digits and hyphens only"
            case .hyphenAtEdge(let l): "label \"\(l)\" starts or ends with a hyphen"
            case .nonASCII: "the name is not ASCII; write internationalised names as A-labels (xn--...)"
            case .allNumeric: "the last label is all digits; that is an IP address, not a host name"
            }
        }
    }

    /// Parses a host name (`mx1.example.com`, trailing dot optional) under the LDH rule.
    public init(hostName text: String) throws(ParseError) {
        try self.init(checking: text, underscore: false)
    }

    /// Parses a zone name: a host name whose labels may also hold `_` (zones such as
    /// `_tcp.example.com` or `_domainkey.example.com` are delegated and signed too).
    public init(zoneName text: String) throws(ParseError) {
        try self.init(checking: text, underscore: true)
    }

    private init(checking text: String, underscore: Bool) throws(ParseError) {
        var name = text
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty else { throw .empty }
        guard name.utf8.allSatisfy({ $0 < 0x80 }) else { throw .nonASCII }
        guard name.utf8.count <= 253 else { throw .tooLong(name.utf8.count) }
        // ASCII only from here, so the checks read bytes (a provider's description names
        // hundreds of thousands of hosts).
        func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
        func allowed(_ byte: UInt8) -> Bool {
            (0x61...0x7a).contains(byte | 0x20) || isDigit(byte) || byte == UInt8(ascii: "-")
                || (underscore && byte == UInt8(ascii: "_"))
        }
        let labels = name.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        for label in labels {
            guard !label.isEmpty else { throw .emptyLabel }
            guard label.count <= 63 else { throw .labelTooLong(String(Substring(label))) }
            if let bad = label.first(where: { !allowed($0) }) {
                throw .badCharacter(Character(UnicodeScalar(bad)), String(Substring(label)))
            }
            guard label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else {
                throw .hyphenAtEdge(String(Substring(label)))
            }
        }
        if let last = labels.last, last.allSatisfy(isDigit) { throw .allNumeric }
        self.init(labels: labels.map { String(Substring($0)) })
    }

    /// A name read from the wire: labels already in presentation form (see `presentation(label:)`).
    public init(wireLabels: [String]) { self.init(labels: wireLabels) }

    /// A name as a zone file or a user writes it (`mx.example.com`, trailing dot optional),
    /// without the host-name rule: for names that only have to be valid DNS names.
    public init?(presentation text: String) {
        var name = text
        if name.hasSuffix(".") { name.removeLast() }
        if name.isEmpty { self.init(labels: []); return }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard labels.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 63 }), name.utf8.count <= 253 else { return nil }
        self.init(labels: labels)
    }

    /// One label's bytes in presentation form: printable ASCII as is, `.` `\\` `"` `;` `(` `)` and
    /// space escaped with a backslash, other bytes as `\DDD` (RFC 4343 §2.1).
    public static func presentation(label bytes: [UInt8]) -> String {
        var out = ""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: ";"), UInt8(ascii: "("),
                UInt8(ascii: ")"), UInt8(ascii: " "), UInt8(ascii: "@"), UInt8(ascii: "$"):
                out += "\\" + String(UnicodeScalar(byte))
            case 0x21...0x7e:
                out += String(UnicodeScalar(byte))
            default:
                let digits = String(byte)
                out += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
            }
        }
        return out
    }

    /// With the trailing dot, as zone files and JSON print it; the root is `.`.
    public var fqdn: String { labels.isEmpty ? "." : labels.joined(separator: ".") + "." }

    /// Octets in wire form (each label with its length byte, and the root): at most 255.
    public var wireLength: Int { labels.reduce(1) { $0 + 1 + Self.octets($1) } }

    /// Octets of a label in presentation form (`\\DDD` and `\\c` escapes are one octet each).
    static func octets(_ label: String) -> Int {
        var count = 0, bytes = Array(label.utf8)[...]
        while let byte = bytes.popFirst() {
            if byte == UInt8(ascii: "\\") {
                if bytes.prefix(3).allSatisfy({ (48...57).contains($0) }) && bytes.count >= 3 {
                    bytes = bytes.dropFirst(3)
                } else {
                    bytes = bytes.dropFirst()
                }
            }
            count += 1
        }
        return count
    }

    /// The number of labels, as RRSIG's labels field counts them (RFC 4034 §3.1.3).
    public var labelCount: Int { labels.count }
    public var description: String { fqdn }

    public var parent: DNSName? { labels.count > 1 ? DNSName(labels: Array(labels.dropFirst())) : nil }

    /// True when `self` equals `zone` or lies below it.
    public func isSubdomain(of zone: DNSName) -> Bool {
        labels.count >= zone.labels.count && Array(labels.suffix(zone.labels.count)) == zone.labels
    }

    public func prepending(_ label: String) -> DNSName { DNSName(labels: [label] + labels) }

    /// RFC 4034 §6.1 canonical order: compare label by label from the root.
    public static func < (lhs: DNSName, rhs: DNSName) -> Bool { canonicalOrder(lhs, rhs) < 0 }

    /// Negative, zero or positive as `lhs` sorts before, with or after `rhs`, in one walk over
    /// the labels in place (no copies): sorting a provider's records makes millions of these.
    public static func canonicalOrder(_ lhs: DNSName, _ rhs: DNSName) -> Int {
        for (a, b) in zip(lhs.labels.reversed(), rhs.labels.reversed()) where a != b {
            return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
        }
        return lhs.labels.count - rhs.labels.count
    }
}
