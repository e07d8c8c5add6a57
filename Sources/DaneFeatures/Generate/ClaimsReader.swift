import FileKit
import FoundationEssentials
import Glibc

/// Reads the claims file's one shape of JSON, an object of objects of strings, straight into
/// dictionaries, a byte at a time from wherever they come: JSONDecoder's own map of a
/// provider's 100,000 claims took 48 MB beside its result, and the file itself 11 MB, the
/// largest things an unchanged 100,000-zone run held. Any JSON of that shape is read (any
/// whitespace, every string escape, RFC 8259); anything else is nil, and a duplicate key
/// keeps its last value, as JSONDecoder does.
enum ClaimsReader {
    static func read(_ bytes: some Sequence<UInt8>) -> [String: [String: String]]? {
        var reader = Cursor(bytes: bytes.makeIterator())
        guard let document = reader.object({ $0.object { $0.string() } }) else { return nil }
        reader.skipSpace()
        return reader.current == nil ? document : nil
    }

    /// The file at `path`, read 64 KiB at a time (nil when it cannot be opened).
    static func read(file path: String) -> [String: [String: String]]? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var failed = false
        let document = read(FileBytes(fd: fd, failed: { failed = true }))
        return failed ? nil : document
    }

    /// A descriptor's bytes as a sequence; a read error ends it and calls `failed`.
    private struct FileBytes: Sequence, IteratorProtocol {
        let fd: Int32
        let failed: () -> Void
        var block = [UInt8](repeating: 0, count: 65_536)
        var count = 0
        var index = 0

        init(fd: Int32, failed: @escaping () -> Void) { (self.fd, self.failed) = (fd, failed) }

        mutating func next() -> UInt8? {
            if index == count {
                count = Descriptors.readFull(fd, into: &block)
                index = 0
                if count < 0 { failed() }
                guard count > 0 else {
                    count = 0
                    return nil
                }
            }
            defer { index += 1 }
            return block[index]
        }
    }

    private struct Cursor<Bytes: IteratorProtocol<UInt8>> {
        var bytes: Bytes
        /// The next byte, not yet taken; nil at the end.
        var current: UInt8?

        init(bytes: Bytes) {
            self.bytes = bytes
            current = self.bytes.next()
        }

        mutating func advance() { current = bytes.next() }

        mutating func skipSpace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { advance() }
        }

        /// Whether the next byte (after whitespace) is `byte`, taken if so.
        mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard current == byte else { return false }
            advance()
            return true
        }

        /// `{ "key": value, ... }` with `value` read by `element`.
        mutating func object<Value>(_ element: (inout Cursor) -> Value?) -> [String: Value]? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var result: [String: Value] = [:]
            if take(UInt8(ascii: "}")) { return result }
            repeat {
                guard let key = string(), take(UInt8(ascii: ":")), let value = element(&self) else { return nil }
                result[key] = value
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "}")) ? result : nil
        }

        /// A JSON string; control characters and broken escapes or UTF-8 make the file unreadable.
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            var utf8: [UInt8] = []
            while let byte = current {
                advance()
                switch byte {
                case UInt8(ascii: "\""): return String(validating: utf8, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escaped = escape() else { return nil }
                    utf8 += escaped
                case ..<0x20: return nil
                default: utf8.append(byte)
                }
            }
            return nil
        }

        /// The bytes one escape stands for, in UTF-8 (its backslash already taken).
        private mutating func escape() -> [UInt8]? {
            guard let letter = current else { return nil }
            advance()
            switch letter {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return [letter]
            case UInt8(ascii: "b"): return [0x08]
            case UInt8(ascii: "f"): return [0x0C]
            case UInt8(ascii: "n"): return [0x0A]
            case UInt8(ascii: "r"): return [0x0D]
            case UInt8(ascii: "t"): return [0x09]
            case UInt8(ascii: "u"):
                guard var value = hex4() else { return nil }
                if (0xD800..<0xDC00).contains(value) {  // a high surrogate needs its low half next
                    guard current == UInt8(ascii: "\\") else { return nil }
                    advance()
                    guard current == UInt8(ascii: "u") else { return nil }
                    advance()
                    guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                    value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(value) else { return nil }
                return Array(String(Character(scalar)).utf8)
            default: return nil
            }
        }

        /// Exactly four hex digits (no sign, unlike `UInt16(_:radix:)`).
        private mutating func hex4() -> UInt32? {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let byte = current else { return nil }
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                advance()
                value = value << 4 | UInt32(digit)
            }
            return value
        }
    }
}
