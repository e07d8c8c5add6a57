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
        chunks(text).map { chunk in
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
        }.joined(separator: " ")
    }

    private static func format3(_ byte: UInt8) -> String {
        let s = String(byte)
        return String(repeating: "0", count: 3 - s.count) + s
    }
}
