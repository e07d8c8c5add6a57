import Glibc

/// Domain names as byte strings whose plain byte order is DNSSEC's canonical name order
/// (RFC 4034 §6.1), so sorting a zone is sorting bytes.
///
/// A key lists the labels from the root down, each lower-cased and ended by a 0 byte; the bytes
/// 0 and 1 inside a label are written as 1,1 and 1,2 so that 0 only ever ends a label. A
/// shorter label therefore sorts before any label it begins, and a name's descendants are
/// exactly the keys that start with its key. The root is the empty key.
enum NameKey {
    /// Appends the key of an uncompressed wire-format name (length-prefixed labels, ending at
    /// the root label or the end of the bytes).
    static func append(wire: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 128) { starts in  // 127 labels at most
            var count = 0
            var i = 0
            while i < wire.count, wire[i] != 0, count < starts.count {
                starts[count] = i
                count += 1
                i += 1 + Int(wire[i])
            }
            for index in stride(from: count - 1, through: 0, by: -1) {
                let start = starts[index]
                for j in (start + 1)..<min(start + 1 + Int(wire[start]), wire.count) {
                    var byte = wire[j]
                    if byte >= 0x41 && byte <= 0x5A { byte += 32 }
                    if byte < 2 {
                        out.append(1)
                        out.append(byte + 1)
                    } else {
                        out.append(byte)
                    }
                }
                out.append(0)
            }
        }
    }

    /// Calls `body` with each label as it sits in the key (still escaped, without its 0),
    /// leftmost label first: the order of wire and presentation format.
    @inline(__always)
    static func forEachLabelLeftmostFirst(
        _ key: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 129) { ends in
            var count = 0
            for i in 0..<key.count where key[i] == 0 && count < ends.count {
                ends[count] = i
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) {
                let start = index == 0 ? 0 : ends[index - 1] + 1
                body(UnsafeBufferPointer(rebasing: key[start..<ends[index]]))
            }
        }
    }

    /// The label bytes of one escaped key segment, in order.
    @inline(__always) static func forEachByte(of segment: UnsafeBufferPointer<UInt8>, _ body: (UInt8) -> Void) {
        var i = 0
        while i < segment.count {
            if segment[i] == 1 && i + 1 < segment.count {
                body(segment[i + 1] - 1)
                i += 2
            } else {
                body(segment[i])
                i += 1
            }
        }
    }

    /// Canonical (lower-case, uncompressed) wire format, appended to `out`.
    static func appendWire(_ key: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        forEachLabelLeftmostFirst(key) { segment in
            let lengthAt = out.count
            out.append(0)
            forEachByte(of: segment) { out.append($0) }
            out[lengthAt] = UInt8(out.count - lengthAt - 1)
        }
        out.append(0)
    }

    static func wire(_ key: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        appendWire(key, to: &out)
        return out
    }

    /// Presentation format with the trailing dot, special characters escaped (RFC 1035 §5.1).
    static func appendText(_ key: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        if key.isEmpty {
            out.append(UInt8(ascii: "."))
            return
        }
        forEachLabelLeftmostFirst(key) { segment in
            forEachByte(of: segment) { PresentationText.appendNameByte($0, to: &out) }
            out.append(UInt8(ascii: "."))
        }
    }

    static func text(_ key: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        appendText(key, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Number of labels, not counting the root.
    static func labelCount(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 0
        for byte in key where byte == 0 { count += 1 }
        return count
    }

    /// True when the leftmost label is `*` (RRSIG's label count leaves it out, RFC 4034 §3.1.3).
    static func isWildcard(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = key.count
        return n >= 2 && key[n - 1] == 0 && key[n - 2] == UInt8(ascii: "*") && (n == 2 || key[n - 3] == 0)
    }

    /// Length of the parent's key (the key without its last label); nil for the root.
    static func parentLength(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        guard key.count > 0 else { return nil }
        var i = key.count - 2
        while i >= 0 {
            if key[i] == 0 { return i + 1 }  // escapes never make a 0 byte
            i -= 1
        }
        return 0
    }

    /// True when `key` is `ancestor` or below it.
    static func isAtOrBelow(_ key: UnsafeBufferPointer<UInt8>, _ ancestor: UnsafeBufferPointer<UInt8>) -> Bool {
        guard key.count >= ancestor.count else { return false }
        return ancestor.count == 0 || memcmp(key.baseAddress!, ancestor.baseAddress!, ancestor.count) == 0
    }

    /// Byte order of two keys (shorter first when one begins the other).
    static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int32 {
        let common = min(a.count, b.count)
        if common > 0 {
            let order = memcmp(a.baseAddress!, b.baseAddress!, common)
            if order != 0 { return order }
        }
        return a.count < b.count ? -1 : (a.count > b.count ? 1 : 0)
    }
}
