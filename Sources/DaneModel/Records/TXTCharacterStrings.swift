/// Turns text into TXT RDATA presentation: `"..." "..."`, each character-string at most 255
/// bytes (RFC 1035 §3.3.14), with `"` and `\` escaped. The one place TXT chunking happens.
public enum TXTCharacterStrings {
    public static let maximumBytes = 255

    public static func chunks(_ text: String) -> [[UInt8]] {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return [[]] }
        return stride(from: 0, to: bytes.count, by: maximumBytes).map {
            Array(bytes[$0..<min($0 + maximumBytes, bytes.count)])
        }
    }

    public static func presentation(_ text: String) -> String {
        chunks(text).map(quoted).joined(separator: " ")
    }

    /// One character-string in quotes, with `"`, `\` and non-printing bytes escaped.
    public static func quoted(_ chunk: [UInt8]) -> String {
        var out = "\""
        for byte in chunk {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out += "\\" + String(UnicodeScalar(byte))
            case 0x20...0x7e:
                out += String(UnicodeScalar(byte))
            default:
                out += "\\" + String(format3(byte))
            }
        }
        return out + "\""
    }

    private static func format3(_ byte: UInt8) -> String {
        let s = String(byte)
        return String(repeating: "0", count: 3 - s.count) + s
    }

    /// Parses quoted character-strings (`"..." "..."`, with `\"`, `\\` and `\DDD` escapes) back
    /// into bytes; nil for text that is not in that form.
    public static func parse(_ presentation: String) -> [[UInt8]]? {
        var strings: [[UInt8]] = []
        var bytes = Array(presentation.utf8)[...]
        while let first = bytes.first {
            if first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { bytes = bytes.dropFirst(); continue }
            guard first == UInt8(ascii: "\"") else { return nil }
            bytes = bytes.dropFirst()
            var current: [UInt8] = []
            while true {
                guard let byte = bytes.popFirst() else { return nil }
                if byte == UInt8(ascii: "\"") { break }
                guard byte == UInt8(ascii: "\\") else { current.append(byte); continue }
                let digits = bytes.prefix(3)
                if digits.count == 3, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                    let value = UInt8(String(decoding: digits, as: UTF8.self))
                {
                    current.append(value)
                    bytes = bytes.dropFirst(3)
                } else if let escaped = bytes.popFirst() {
                    current.append(escaped)
                } else {
                    return nil
                }
            }
            strings.append(current)
        }
        return strings.isEmpty ? nil : strings
    }
}
