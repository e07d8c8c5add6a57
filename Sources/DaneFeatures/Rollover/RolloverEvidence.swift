import Foundation

/// When each next hash was first seen fully published (every authoritative server and the
/// validating resolver, DNSSEC-secure). This is the evidence for "long enough": a hash counts
/// as published from the first `check` that saw it everywhere, never from a guess. (RRSIG
/// inception is no help here: it only says the data was signed *after* that time.)
public struct RolloverEvidence: Codable, Sendable {
    public var firstSeen: [String: Date] = [:]

    public init() {}

    public static func load(path: String) throws -> RolloverEvidence {
        guard let data = FileManager.default.contents(atPath: path) else { return RolloverEvidence() }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(RolloverEvidence.self, from: data)
    }

    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try! encoder.encode(self), as: UTF8.self) + "\n"
    }

    enum CodingKeys: String, CodingKey { case firstSeen = "first_seen" }
}
