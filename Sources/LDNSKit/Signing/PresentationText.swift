internal import CLDNS
import DaneModel

/// Presentation format for what the signer makes itself (RRSIG, NSEC, NSEC3 and the record
/// lines around them), written straight into byte buffers: the hot path of printing a zone.
enum PresentationText {
    static func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
        let start = out.count
        var rest = value
        repeat {
            out.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        out[start...].reverse()  // written lowest digit first
    }

    static func appendDecimal<T: BinaryInteger>(_ value: T, to out: inout [UInt8]) {
        appendDecimal(UInt64(value), to: &out)
    }

    /// A wire-format name as text, case kept, special characters escaped (RFC 1035 §5.1).
    static func appendName(wire: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var i = 0
        if wire.isEmpty || wire[0] == 0 {
            out.append(UInt8(ascii: "."))
            return
        }
        while i < wire.count, wire[i] != 0 {
            let end = min(wire.count, i + 1 + Int(wire[i]))
            for j in (i + 1)..<end { appendNameByte(wire[j], to: &out) }
            out.append(UInt8(ascii: "."))
            i = end
        }
    }

    @inline(__always) static func appendNameByte(_ byte: UInt8, to out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "."), UInt8(ascii: ";"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\\"),
            UInt8(ascii: "\""), UInt8(ascii: "@"), UInt8(ascii: "$"):
            out.append(UInt8(ascii: "\\"))
            out.append(byte)
        case 0x21...0x7E:
            out.append(byte)
        default:
            appendEscapedDecimal(byte, to: &out)
        }
    }

    /// `\DDD`, the escape for a byte with no printable form.
    static func appendEscapedDecimal(_ byte: UInt8, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "0") + byte / 100)
        out.append(UInt8(ascii: "0") + byte / 10 % 10)
        out.append(UInt8(ascii: "0") + byte % 10)
    }

    /// A <character-string> in quotes, `"` and `\` escaped, other unprintable bytes as `\DDD`.
    static func appendCharacterString(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0x20...0x7E:
                out.append(byte)
            default:
                appendEscapedDecimal(byte, to: &out)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func appendHex(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        for byte in bytes {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 15)])
        }
    }

    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func appendBase64(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var i = 0
        let n = bytes.count
        while i + 3 <= n {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(base64Alphabet[Int(v >> 18)])
            out.append(base64Alphabet[Int((v >> 12) & 63)])
            out.append(base64Alphabet[Int((v >> 6) & 63)])
            out.append(base64Alphabet[Int(v & 63)])
            i += 3
        }
        if n - i == 1 {
            let v = UInt32(bytes[i]) << 16
            out.append(base64Alphabet[Int(v >> 18)])
            out.append(base64Alphabet[Int((v >> 12) & 63)])
            out.append(UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        } else if n - i == 2 {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(base64Alphabet[Int(v >> 18)])
            out.append(base64Alphabet[Int((v >> 12) & 63)])
            out.append(base64Alphabet[Int((v >> 6) & 63)])
            out.append(UInt8(ascii: "="))
        }
    }

    private static let base32HexAlphabet = Array("0123456789abcdefghijklmnopqrstuv".utf8)

    /// Base32 with the extended hex alphabet, lower case, no padding (RFC 4648 §7, RFC 5155 §3.3).
    static func appendBase32Hex(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var buffer: UInt64 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt64(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(base32HexAlphabet[Int((buffer >> UInt64(bits)) & 31)])
            }
        }
        if bits > 0 { out.append(base32HexAlphabet[Int((buffer << UInt64(5 - bits)) & 31)]) }
    }

    /// YYYYMMDDHHmmSS in UTC (RFC 4034 §3.2), for RRSIG inception and expiration.
    static func appendTimestamp(_ seconds: UInt32, to out: inout [UInt8]) {
        let days = Int64(seconds / 86_400)
        var secondOfDay = Int(seconds % 86_400)
        let (year, month, day) = RFC3339.civilDay(daysSince1970: Int(days))
        func two(_ v: Int) {
            out.append(UInt8(ascii: "0") + UInt8(v / 10))
            out.append(UInt8(ascii: "0") + UInt8(v % 10))
        }
        appendDecimal(UInt64(year), to: &out)
        two(Int(month))
        two(Int(day))
        two(secondOfDay / 3600)
        secondOfDay %= 3600
        two(secondOfDay / 60)
        two(secondOfDay % 60)
    }

    /// Mnemonics for the types in `types` and the ones the signer adds, as ldns spells them.
    static func typeNames(for types: Set<UInt16>) -> [UInt16: [UInt8]] {
        var names: [UInt16: [UInt8]] = [:]
        for type in types.union([2, 6, 43, 46, 47, 48, 50, 51]) {
            names[type] = Array(takeString(ldns_rr_type2str(ldns_rr_type(rawValue: UInt32(type)))).utf8)
        }
        return names
    }

    static func className(_ rrclass: UInt16) -> [UInt8] {
        switch rrclass {
        case 1: Array("IN".utf8)
        case 3: Array("CH".utf8)
        case 4: Array("HS".utf8)
        default: Array("CLASS\(rrclass)".utf8)
        }
    }
}
