/// Reads RDATA wire bytes front to back; every read checks the length first, so short or
/// empty RDATA (which a hostile server can send) is an error value, never a crash.
struct WireReader {
    struct Short: Error { let what: String }

    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }
    var atEnd: Bool { offset == bytes.count }

    mutating func u8(_ what: String) throws(Short) -> UInt8 {
        guard remaining >= 1 else { throw Short(what: what) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16(_ what: String) throws(Short) -> UInt16 {
        guard remaining >= 2 else { throw Short(what: what) }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u32(_ what: String) throws(Short) -> UInt32 {
        guard remaining >= 4 else { throw Short(what: what) }
        defer { offset += 4 }
        return bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func take(_ count: Int, _ what: String) throws(Short) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw Short(what: what) }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func rest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }

    /// An uncompressed domain name (RDATA handed over by the resolver library is expanded).
    mutating func name(_ what: String) throws(Short) -> DNSName {
        var labels: [String] = []
        var total = 1
        while true {
            let length = Int(try u8(what))
            if length == 0 { return DNSName(wireLabels: labels) }
            guard length < 64 else { throw Short(what: "\(what) (label length \(length))") }
            total += length + 1
            guard total <= 255 else { throw Short(what: "\(what) (longer than 255 octets)") }
            labels.append(DNSName.presentation(label: try take(length, what)))
        }
    }
}
