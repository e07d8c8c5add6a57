import Foundation

/// The one JSON encoder of every command's output: keys sorted (Foundation's order varies
/// between runs on Linux), slashes unescaped, dates in RFC 3339, pretty-printed.
public enum JSONDocument {
    /// Bumped when a field changes meaning or goes away; new fields do not bump it.
    public static let schemaVersion = 1

    public static func encode(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        // Our documents hold strings, numbers, booleans and dates only: encoding cannot fail.
        guard let data = try? encoder.encode(value) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
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
