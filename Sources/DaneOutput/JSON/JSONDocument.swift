import FileKit
import FoundationEssentials
import Glibc
import WorkSharing

/// The one JSON encoder of every command's output: keys sorted (Foundation's order varies
/// between runs on Linux), slashes unescaped, dates in RFC 3339, pretty-printed.
public enum JSONDocument {
    /// Bumped when a field changes meaning or goes away; new fields do not bump it.
    public static let schemaVersion = 1

    public static func encode(_ value: some Encodable) -> String {
        // Our documents hold strings, numbers, booleans and dates only: encoding cannot fail.
        guard var data = try? prettyEncoder().encode(value) else { return "{}\n" }
        data.append(UInt8(ascii: "\n"))
        return String(decoding: data, as: UTF8.self)
    }

    private static func prettyEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    /// Items encoded per chunk when a long list is spliced in.
    static let spliceChunk = 1_000

    /// `value`, whose top-level list under `key` is empty, with that list holding `items` (each
    /// made by `element`): byte for byte what encoding the filled value prints, but encoded a
    /// thousand items at a time, on every core. JSONEncoder holds a tree of everything it
    /// encodes, 600 MiB for a provider's 300,000 records at once. `element` runs on several
    /// threads at once.
    public static func encode<Item, Element: Encodable>(
        _ value: some Encodable, filling key: String, with items: [Item], as element: (Item) -> Element
    ) -> String {
        collectText { write(value, filling: key, with: items, as: element, to: $0) }
    }

    /// `encode(_:filling:with:as:)` into `sink`, a thousand items at a time as they are
    /// encoded: a provider's 300,000 records (87 MB of JSON) are never held whole. False when
    /// the sink refused a piece; nothing more is written then.
    @discardableResult
    public static func write<Item, Element: Encodable>(
        _ value: some Encodable, filling key: String, with items: [Item], as element: (Item) -> Element,
        to sink: TextSink
    ) -> Bool {
        let document = encode(value)
        // Pretty-printed, an empty top-level list is `"key" : [`, a blank line, `  ]`; the
        // newlines cannot be inside a string (JSON escapes them), so this is the list itself.
        let empty = "\n  \"\(key)\" : [\n\n  ]"
        guard !items.isEmpty, let place = document.firstRange(of: empty) else { return sink(document) }
        var taken = sink(String(document[..<place.lowerBound]) + "\n  \"\(key)\" : [\n")
        OrderedChunks.forEach(count: items.count, chunk: spliceChunk) { range in
            nested(items[range].map(element), first: range.lowerBound == 0)
        } consume: {
            if taken { taken = sink(String(decoding: $0, as: UTF8.self)) }
        }
        return taken && sink("\n  ]" + document[place.upperBound...])
    }

    /// A chunk of a spliced list: its items pretty-printed two deeper than a top-level list's,
    /// after `,` and a newline unless it is the first.
    private static func nested(_ chunk: [some Encodable], first: Bool) -> [UInt8] {
        // Plain strings and numbers cannot fail to encode; if they ever did, stopping is
        // safer than a document whose list is silently short (a pipeline would publish it).
        guard let data = try? prettyEncoder().encode(chunk) else {
            preconditionFailure("JSONEncoder refused a chunk of \(chunk.count) items")
        }
        // A top-level list: `[`, its items indented by two, `]`; here they sit two deeper,
        // except the blank line of an empty list, which stays blank.
        let (newline, space) = (UInt8(ascii: "\n"), UInt8(ascii: " "))
        var out = [UInt8]()
        out.reserveCapacity(data.count + data.count / 8)
        if !first { out += ",\n".utf8 }
        out.append(space)
        out.append(space)
        var previous = UInt8(0)
        for byte in [UInt8](data).dropFirst(2).dropLast(2) {
            if previous == newline, byte != newline {
                out.append(space)
                out.append(space)
            }
            out.append(byte)
            previous = byte
        }
        return out
    }

    /// One compact line (JSON Lines): same keys and dates, no pretty-printing.
    public static func encodeLine(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(value) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
