/// Percent-encoding of URL paths, as Foundation's `.urlPathAllowed` did it: every UTF-8 byte
/// outside `!$&'()*+,-./0-9=@A-Z_a-z~` becomes `%XX` (upper-case hex), and so does `:` before
/// the first `/` (where it would read as a scheme).
public enum PercentEncoding {
    public static func path(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var afterSlash = false
        for byte in text.utf8 {
            afterSlash = afterSlash || byte == UInt8(ascii: "/")
            if allowedInPath(byte) || (afterSlash && byte == UInt8(ascii: ":")) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0xF)])
            }
        }
        return out
    }

    /// `%XX` sequences decoded; nil when one is malformed or the bytes are not UTF-8.
    public static func decoded(_ text: String) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(value), let low = iterator.next().flatMap(value) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static let hex = Array("0123456789ABCDEF")

    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func allowedInPath(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default: Array("!$&'()*+,-./=@_~".utf8).contains(byte)
        }
    }
}
