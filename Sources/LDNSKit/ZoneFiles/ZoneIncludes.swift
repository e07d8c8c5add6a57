import FoundationEssentials
import Glibc

/// Expands `$INCLUDE` the way RFC 1035 §5.1 and BIND do, into one text the parser (and the
/// splitter, for parallel parsing) reads as if it were one file:
/// - a relative path is taken from the including file's folder;
/// - the optional origin argument sets the included file's origin (else the current one);
/// - afterwards the including file's origin and current owner are restored (a following
///   line with a blank owner still means the owner before the `$INCLUDE`, as BIND does), while
///   a `$TTL` set inside the included file stays in force, as BIND does too;
/// - includes nest; a cycle, or more than `maximumDepth` levels, is refused.
/// `$GENERATE` is refused with its place. Every line of the result maps back to its file and
/// line (`LineMap`), so errors name the place; file contents are never quoted.
enum ZoneIncludes {
    static let maximumDepth = 16

    struct LineMap {
        /// (first line of the expanded text, file, line in that file), in increasing order.
        fileprivate(set) var spans: [(expandedLine: Int, file: String, fileLine: Int)] = []

        /// The file and line of a 1-based line of the expanded text.
        func place(ofLine line: Int) -> (file: String, line: Int) {
            var low = 0, high = spans.count - 1, found = 0
            while low <= high {
                let middle = (low + high) / 2
                if spans[middle].expandedLine <= line { found = middle; low = middle + 1 } else { high = middle - 1 }
            }
            guard !spans.isEmpty else { return ("", line) }
            let span = spans[found]
            return (span.file, span.fileLine + (line - span.expandedLine))
        }

        var files: Set<String> { Set(spans.map(\.file)) }
    }

    struct Expanded {
        var text: ZoneText
        var lines: LineMap
        var hasIncludes: Bool
    }

    /// Reads `path` and everything it includes. Without any `$INCLUDE`, the file's bytes as
    /// read (no copy, no rewriting).
    static func expand(path: String, origin: String?) throws(LDNSError) -> Expanded {
        let text = try ZoneFile.readWholeFile(path)
        guard containsDirective(text.buffer, release: text.release) else {
            var map = LineMap()
            map.spans = [(1, path, 1)]
            return Expanded(text: text, lines: map, hasIncludes: false)
        }
        var state = Output()
        var originNow = origin
        try expandFile(text.array, path: path, origin: &originNow, stack: [realPath(path)], into: &state)
        return Expanded(text: ZoneText(state.text), lines: state.map, hasIncludes: true)
    }

    static func containsDirective(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { containsDirective($0) }
    }

    /// Cheap test: does a line start with `$INCLUDE` or `$GENERATE` (any case)? `release` is
    /// told, every few MiB, what has been read (a mapped file gives those pages back).
    static func containsDirective(
        _ bytes: UnsafeBufferPointer<UInt8>, release: ((Range<Int>) -> Void)? = nil
    ) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let include = Array("$include".utf8), generate = Array("$generate".utf8)
        let window = 8 << 20
        var windowStart = 0
        while windowStart < bytes.count {
            let windowEnd = min(bytes.count, windowStart + window)
            var at = windowStart
            while at < windowEnd, let hit = memchr(base + at, Int32(UInt8(ascii: "$")), windowEnd - at) {
                let index = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                at = index + 1
                guard index == 0 || bytes[index - 1] == 0x0A else { continue }
                let word = bytes[index..<min(bytes.count, index + 9)].map { $0 | 0x20 }
                if word.starts(with: include) || word.starts(with: generate) { return true }
            }
            release?(windowStart..<windowEnd)
            windowStart = windowEnd
        }
        return false
    }

    private struct Output {
        var text: [UInt8] = []
        var map = LineMap()
        var line = 1  // the expanded text's next line number

        mutating func append(_ bytes: ArraySlice<UInt8>, file: String, fileLine: Int) {
            guard !bytes.isEmpty else { return }
            map.spans.append((line, file, fileLine))
            text.append(contentsOf: bytes)
            line += bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        }

        /// A line danectl writes itself ($ORIGIN around an include), mapped to `fileLine`.
        mutating func synthetic(_ line: String, file: String, fileLine: Int) {
            map.spans.append((self.line, file, fileLine))
            text.append(contentsOf: Array((line + "\n").utf8))
            self.line += 1
        }
    }

    private static func realPath(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
    }

    private static func expandFile(
        _ bytes: [UInt8], path: String, origin: inout String?, stack: [String],
        into out: inout Output
    ) throws(LDNSError) {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        var lastOwner: String?  // absolute, for restoring a blank owner after an include
        var ownerAfterInclude: String?
        var start = 0, line = 1, depth = 0
        var copiedFrom = 0, copiedLine = 1
        let n = bytes.count

        func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D }
        func isSpace(_ c: UInt8) -> Bool { isBlank(c) || c == 0x0A }
        /// The tokens of a directive line, up to a comment: quoted or bare.
        func words(_ from: Int, _ to: Int) -> [String] {
            var result: [String] = []
            var i = from
            while i < to {
                while i < to, isSpace(bytes[i]) { i += 1 }
                guard i < to, bytes[i] != UInt8(ascii: ";") else { break }
                if bytes[i] == UInt8(ascii: "\"") {
                    let close = bytes[(i + 1)..<to].firstIndex(of: UInt8(ascii: "\"")) ?? to
                    result.append(String(decoding: bytes[(i + 1)..<close], as: UTF8.self))
                    i = close + 1
                } else {
                    var j = i
                    while j < to, !isSpace(bytes[j]), bytes[j] != UInt8(ascii: ";") { j += 1 }
                    result.append(String(decoding: bytes[i..<j], as: UTF8.self))
                    i = j
                }
            }
            return result
        }

        while start < n {
            // One logical line: to the newline that ends it outside parentheses and quotes.
            var end = start, inQuote = false
            let startDepth = depth
            while end < n {
                let c = bytes[end]
                end += 1
                if inQuote {
                    if c == UInt8(ascii: "\\") { end += 1 } else if c == UInt8(ascii: "\"") { inQuote = false }
                    continue
                }
                if c == UInt8(ascii: "\\") { end += 1; continue }
                if c == UInt8(ascii: "\"") { inQuote = true; continue }
                if c == UInt8(ascii: "(") { depth += 1 }
                if c == UInt8(ascii: ")") { depth = max(0, depth - 1) }
                if c == UInt8(ascii: ";") { while end < n, bytes[end] != 0x0A { end += 1 } }
                if c == 0x0A && depth == 0 { break }
            }
            end = min(end, n)
            let lineCount = bytes[start..<end].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            defer { start = end; line += lineCount }
            guard startDepth == 0 else { continue }
            let first = bytes[start]
            if first == UInt8(ascii: "$") {
                let tokens = words(start, end)
                let directive = tokens.first?.uppercased() ?? ""
                switch directive {
                case "$ORIGIN":
                    if tokens.count > 1 { origin = ZoneTextSplitter.resolve(tokens[1], against: origin) }
                case "$GENERATE":
                    throw LDNSError(
                        "\(path):\(line): $GENERATE is not supported; expand it first (named-compilezone -s full -o - writes the zone without it)",
                        line: line, file: path)
                case "$INCLUDE":
                    guard tokens.count >= 2 else {
                        throw LDNSError("\(path):\(line): $INCLUDE needs a file name", line: line, file: path)
                    }
                    out.append(bytes[copiedFrom..<start], file: path, fileLine: copiedLine)
                    let target = tokens[1].hasPrefix("/") ? tokens[1] : folder.appendingPathComponent(tokens[1]).path
                    let resolved = realPath(target)
                    guard !stack.contains(resolved) else {
                        throw LDNSError(
                            "\(path):\(line): $INCLUDE \(tokens[1]) includes itself (a cycle through \(stack.count) file\(stack.count == 1 ? "" : "s"))",
                            line: line, file: path)
                    }
                    guard stack.count < maximumDepth else {
                        throw LDNSError(
                            "\(path):\(line): $INCLUDE nested more than \(maximumDepth) levels deep", line: line,
                            file: path)
                    }
                    var includedOrigin = origin
                    if tokens.count >= 3 {
                        guard let given = ZoneTextSplitter.resolve(tokens[2], against: origin) else {
                            throw LDNSError(
                                "\(path):\(line): $INCLUDE origin \"\(tokens[2])\" cannot be made absolute here; write it with a trailing dot",
                                line: line, file: path)
                        }
                        includedOrigin = given
                    }
                    let included: [UInt8]
                    do { included = try ZoneFile.readWholeFile(target).array } catch {
                        throw LDNSError(
                            "\(path):\(line): $INCLUDE \(tokens[1]): \(error.reason.replacing(target + ": ", with: ""))",
                            line: line, unreadable: error.unreadable, file: path)
                    }
                    if let includedOrigin { out.synthetic("$ORIGIN \(includedOrigin)", file: path, fileLine: line) }
                    var inner = includedOrigin
                    try expandFile(included, path: target, origin: &inner, stack: stack + [resolved], into: &out)
                    if !(out.text.last == 0x0A || out.text.isEmpty) { out.synthetic("", file: target, fileLine: 1) }
                    if let origin {
                        out.synthetic("$ORIGIN \(origin)", file: path, fileLine: line)
                    } else if inner != nil {
                        throw LDNSError(
                            "\(path):\(line): $INCLUDE changes the origin, and this file has none to return to; put $ORIGIN before it",
                            line: line, file: path)
                    }
                    ownerAfterInclude = lastOwner
                    copiedFrom = end
                    copiedLine = line + lineCount
                default:
                    break
                }
                continue
            }
            if first == 0x0A || first == UInt8(ascii: ";") { continue }
            if isBlank(first) {
                // Blank owner: after an include it still means the owner before the include.
                let rest = bytes[start..<end].drop { isBlank($0) }
                if let owner = ownerAfterInclude, let next = rest.first, next != 0x0A, next != UInt8(ascii: ";") {
                    out.append(bytes[copiedFrom..<start], file: path, fileLine: copiedLine)
                    out.map.spans.append((out.line, path, line))
                    out.text.append(contentsOf: Array(owner.utf8))
                    out.text.append(contentsOf: bytes[start..<end])
                    out.line += lineCount
                    copiedFrom = end
                    copiedLine = line + lineCount
                    ownerAfterInclude = nil
                }
                continue
            }
            var ownerEnd = start
            while ownerEnd < end, !isBlank(bytes[ownerEnd]), bytes[ownerEnd] != 0x0A { ownerEnd += 1 }
            let token = String(decoding: bytes[start..<ownerEnd], as: UTF8.self)
            lastOwner =
                token == "@"
                ? origin
                : token.hasSuffix(".") && !token.hasSuffix("\\.")
                    ? token : origin.map { token + "." + ($0 == "." ? "" : $0) }
            ownerAfterInclude = nil
        }
        out.append(bytes[copiedFrom..<n], file: path, fileLine: copiedLine)
    }
}
