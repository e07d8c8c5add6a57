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
    static func pieces(of text: UnsafeBufferPointer<UInt8>, origin initialOrigin: String?, targetSize: Int,
                       soaLines: inout [Int]) -> [Piece] {
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
        /// Whether the record starting at `from` (after its owner) has type SOA: the type
        /// follows at most a TTL and a class, in either order.
        func isSOA(from start: Int) -> Bool {
            var j = start
            for _ in 0..<3 {
                while j < n, isBlank(bytes[j]) { j += 1 }
                let end = token(from: j)
                guard end > j else { return false }
                let word = bytes[j..<end]
                if word.count == 3, word.map({ $0 | 0x20 }).elementsEqual("soa".utf8) { return true }
                let lower = word.map { $0 | 0x20 }
                let isTTL = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(word.first!)
                let isClass = ["in", "ch", "hs", "cs"].contains { lower.elementsEqual($0.utf8) } || lower.starts(with: "class".utf8)
                guard isTTL || isClass else { return false }
                j = end
            }
            return false
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
                guard ["in", "ch", "hs", "cs"].contains(where: { lower.elementsEqual($0.utf8) }) || lower.starts(with: "class".utf8) else { return false }
                j = end
            }
            return false
        }

        while i < n {
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
                    if isSOA(from: i) { soaLines.append(line + 1) }
                } else if c != 0x0A, c != UInt8(ascii: ";") {
                    let ownerEnd = token(from: i)
                    if isSOA(from: ownerEnd) { soaLines.append(line + 1) }
                    let owner = i..<ownerEnd
                    // Without $TTL, ldns gives a record without a TTL the previous record's: cut
                    // only before a record that states its own (a signed zone's lines all do).
                    if cuttable, i - pieces[pieces.count - 1].start >= targetSize,
                       ttl != nil || hasTTL(from: ownerEnd), !bytes[owner].elementsEqual(bytes[lastOwner]) {
                        pieces[pieces.count - 1].end = i
                        pieces.append(Piece(start: i, end: n, linesBefore: line, origin: origin, ttl: ttl))
                    }
                    lastOwner = owner
                }
            }
            // The rest of the line (or of the parenthesised record).
            var inQuote = false
            while i < n {
                let c = bytes[i]
                i += 1
                if inQuote {
                    if c == UInt8(ascii: "\\") { i += 1 } else if c == UInt8(ascii: "\"") { inQuote = false } else if c == 0x0A { line += 1 }
                    continue
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
        }
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
