/// Finds places where a zone file can be cut so that each piece parses on its own, given the
/// `$ORIGIN` and `$TTL` in force where it starts: the start of a line outside parentheses and
/// quotes that names its owner (so no record borrows the previous owner across a cut), with a
/// `$TTL` already seen or a TTL on that line (so implicit TTLs do not depend on the record
/// before), and an owner
/// spelled differently from the line before (so no RRset's TTL is copied across a cut).
/// A file with `$INCLUDE`, `$GENERATE` or an `$ORIGIN` it cannot resolve is not cut after it.
enum ZoneTextSplitter {
    struct Piece: Equatable {
        var start: Int
        var end: Int
        /// Newlines before `start`.
        var linesBefore: Int
        /// The directives to replay in front of the piece (nil for the first piece).
        var origin: String?
        var ttl: String?
    }

    static func pieces(of text: UnsafeBufferPointer<UInt8>, origin initialOrigin: String?, targetSize: Int) -> [Piece] {
        var soaLines: [Int] = []
        return pieces(of: text, origin: initialOrigin, targetSize: targetSize, soaLines: &soaLines)
    }

    /// Also collects the (1-based) lines of the SOA records: a zone file has one, and ldns
    /// 1.8.3 reads freed memory when a piece holds three, so a second is refused before
    /// ldns sees the text.
    static func pieces(
        of text: UnsafeBufferPointer<UInt8>, origin initialOrigin: String?, targetSize: Int,
        soaLines: inout [Int]
    ) -> [Piece] {
        var longData: [(line: Int, bytes: Int)] = []
        return pieces(of: text, origin: initialOrigin, targetSize: targetSize, soaLines: &soaLines, longData: &longData)
    }

    /// Also the records whose data text is over 65,535 bytes (ldns would cut it).
    static func pieces(
        of text: UnsafeBufferPointer<UInt8>, origin initialOrigin: String?, targetSize: Int,
        soaLines: inout [Int], longData: inout [(line: Int, bytes: Int)],
        release: ((Range<Int>) -> Void)? = nil
    ) -> [Piece] {
        // What lies before the previous owner is not read again here: every 8 MiB, `release`
        // is told so (a mapped file gives those pages back).
        var released = 0
        var recordTypeRange: Range<Int>?
        var pieces = [Piece(start: 0, end: text.count, linesBefore: 0, origin: nil, ttl: nil)]
        var origin = initialOrigin
        var ttl: String?
        var cuttable = true
        var depth = 0
        var line = 0
        var lastOwner = 0..<0
        var i = 0
        let n = text.count
        let bytes = text

        func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D }
        func token(from start: Int) -> Int {  // end of a token
            var j = start
            while j < n, !isBlank(bytes[j]), bytes[j] != 0x0A, bytes[j] != UInt8(ascii: ";") {
                if bytes[j] == UInt8(ascii: "\\") { j += 1 }
                j += 1
            }
            return min(j, n)
        }
        /// The type token of the record starting at `from` (after its owner): it follows at
        /// most a TTL and a class, in either order; nil if the line is not a record.
        func recordType(from start: Int) -> Range<Int>? {
            var j = start
            for _ in 0..<3 {
                while j < n, isBlank(bytes[j]) { j += 1 }
                let end = token(from: j)
                guard end > j else { return nil }
                let lower = bytes[j..<end].map { $0 | 0x20 }
                let isTTL = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[j])
                let isClass =
                    ["in", "ch", "hs", "cs"].contains { lower.elementsEqual($0.utf8) }
                    || lower.starts(with: "class".utf8)
                guard isTTL || isClass else { return j..<end }
                j = end
            }
            return nil
        }
        func isType(_ range: Range<Int>?, _ name: String) -> Bool {
            guard let range, range.count == name.utf8.count else { return false }
            return bytes[range].map { $0 | 0x20 }.elementsEqual(name.utf8)
        }
        /// Whether the record starting at `from` (after its owner) states its TTL: a number
        /// before the type (a class may come first).
        func hasTTL(from start: Int) -> Bool {
            var j = start
            for _ in 0..<2 {
                while j < n, isBlank(bytes[j]) { j += 1 }
                let end = token(from: j)
                guard end > j else { return false }
                if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[j]) { return true }
                let lower = bytes[j..<end].map { $0 | 0x20 }
                guard
                    ["in", "ch", "hs", "cs"].contains(where: { lower.elementsEqual($0.utf8) })
                        || lower.starts(with: "class".utf8)
                else { return false }
                j = end
            }
            return false
        }

        while i < n {
            if let release, lastOwner.lowerBound - released >= 8 << 20 {
                release(released..<lastOwner.lowerBound)
                released = lastOwner.lowerBound
            }
            // At the start of a line outside parentheses.
            if depth == 0 {
                let c = bytes[i]
                if c == UInt8(ascii: "$") {
                    let wordEnd = token(from: i)
                    let word = String(decoding: bytes[i..<wordEnd], as: UTF8.self).uppercased()
                    var argStart = wordEnd
                    while argStart < n, isBlank(bytes[argStart]) { argStart += 1 }
                    let argEnd = token(from: argStart)
                    let argument = String(decoding: bytes[argStart..<argEnd], as: UTF8.self)
                    switch word {
                    case "$TTL":
                        ttl = argument.isEmpty ? nil : argument
                    case "$ORIGIN":
                        origin = resolve(argument, against: origin)
                        if origin == nil { cuttable = false }
                    default:
                        cuttable = false
                    }
                } else if isBlank(c) {
                    recordTypeRange = recordType(from: i)
                    if isType(recordTypeRange, "soa") { soaLines.append(line + 1) }
                } else if c != 0x0A, c != UInt8(ascii: ";") {
                    let ownerEnd = token(from: i)
                    recordTypeRange = recordType(from: ownerEnd)
                    if isType(recordTypeRange, "soa") { soaLines.append(line + 1) }
                    let owner = i..<ownerEnd
                    // Without $TTL, ldns gives a record without a TTL the previous record's: cut
                    // only before a record that states its own (a signed zone's lines all do).
                    if cuttable, i - pieces[pieces.count - 1].start >= targetSize,
                        ttl != nil || hasTTL(from: ownerEnd), !bytes[owner].elementsEqual(bytes[lastOwner])
                    {
                        pieces[pieces.count - 1].end = i
                        pieces.append(Piece(start: i, end: n, linesBefore: line, origin: origin, ttl: ttl))
                    }
                    lastOwner = owner
                }
            }
            // The rest of the line (or of the parenthesised record).
            let recordLine = line + 1
            var inQuote = false
            while i < n {
                let c = bytes[i]
                i += 1
                if inQuote {
                    // ldns ends a quoted string (and the record) at a newline: so does the cut.
                    if c == UInt8(ascii: "\\") { i += 1; continue }
                    if c == UInt8(ascii: "\"") { inQuote = false; continue }
                    guard c == 0x0A else { continue }
                    inQuote = false
                }
                switch c {
                case UInt8(ascii: "\\"): i += 1
                case UInt8(ascii: "\""): inQuote = true
                case UInt8(ascii: "("): depth += 1
                case UInt8(ascii: ")"): depth = max(0, depth - 1)
                case UInt8(ascii: ";"):
                    while i < n, bytes[i] != 0x0A { i += 1 }
                case 0x0A:
                    line += 1
                    if depth == 0 { break }
                    continue
                default: continue
                }
                if c == 0x0A && depth == 0 { break }
            }
            // ldns reads at most 65,535 bytes of a record's data text and silently drops the
            // rest (a long TXT loses strings): find such records before it sees them.
            if depth == 0, let typeRange = recordTypeRange {
                var start = typeRange.upperBound
                while start < min(i, n), isBlank(bytes[start]) { start += 1 }
                var end = min(i, n)
                while end > start, bytes[end - 1] == 0x0A || isBlank(bytes[end - 1]) { end -= 1 }
                if end - start > 65_535 { longData.append((recordLine, end - start)) }
            }
            if depth == 0 { recordTypeRange = nil }
        }
        release?(released..<n)
        return pieces
    }

    /// An `$ORIGIN` argument made absolute; nil when that cannot be done safely here.
    static func resolve(_ name: String, against origin: String?) -> String? {
        if name.contains("\\") || name.isEmpty { return nil }
        if name == "@" { return origin }
        if name.hasSuffix(".") { return name }
        guard let origin else { return nil }
        return origin == "." ? name + "." : name + "." + origin
    }
}
