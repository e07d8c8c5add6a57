import FoundationEssentials
import Glibc
import OpenSSLKit

/// Where seals live: a comment at the end of each RRSIG line danectl writes
/// (`...signature ; danectl-seal 9f86d081884c7d659a2feaa0c55ad015`), so they travel with the
/// signed zone through renames and edits; name servers and other tools read past comments.
/// On re-sign every seal in the file is collected; which line it was on does not matter,
/// since a seal matches only the exact signature and data it was made over.
enum SignatureSeals {
    static let marker = Array("\t; danectl-seal ".utf8)

    static func append(_ mark: SignatureSeal.Mark, to text: inout [UInt8]) {
        text += marker
        for byte in mark.bytes {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
    }

    /// Every seal in `text`, sorted (for `contains`).
    static func collect(from text: UnsafeBufferPointer<UInt8>) -> [SignatureSeal.Mark] {
        let needle = Array(marker.dropFirst())  // the tab may have become spaces
        var marks: [SignatureSeal.Mark] = []
        var at = 0
        let end = text.count - needle.count - 32
        while at <= end {
            guard let found = memchrIndex(text, from: at, until: end + 1, byte: needle[0]) else { break }
            at = found + 1
            guard (0..<needle.count).allSatisfy({ text[found + $0] == needle[$0] }) else { continue }
            if let mark = mark(in: text, at: found + needle.count) { marks.append(mark) }
            at = found + needle.count
        }
        marks.sort()
        return marks
    }

    /// The seal written as 32 hex digits at `position` (the caller has checked that 32 bytes
    /// are there); nil if they are not all hex digits.
    static func mark(in text: UnsafeBufferPointer<UInt8>, at position: Int) -> SignatureSeal.Mark? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        var position = position
        while bytes.count < 16, let high = hexValue(text[position]), let low = hexValue(text[position + 1]) {
            bytes.append(high << 4 | low)
            position += 2
        }
        return SignatureSeal.Mark(bytes: bytes)
    }

    static func contains(_ marks: [SignatureSeal.Mark], _ mark: SignatureSeal.Mark) -> Bool {
        var low = 0, high = marks.count
        while low < high {
            let middle = (low + high) / 2
            if marks[middle] < mark { low = middle + 1 } else { high = middle }
        }
        return low < marks.count && marks[low] == mark
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    private static func memchrIndex(_ text: UnsafeBufferPointer<UInt8>, from: Int, until: Int, byte: UInt8) -> Int? {
        guard from < until, let base = text.baseAddress,
            let hit = memchr(base + from, Int32(byte), until - from)
        else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }
}
