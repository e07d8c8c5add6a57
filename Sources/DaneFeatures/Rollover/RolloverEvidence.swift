import DaneModel
import FileKit
import FoundationEssentials
import Glibc

/// When each next hash was first seen fully published (every authoritative server and the
/// validating resolver, DNSSEC-secure). This is the evidence for "long enough": a hash counts
/// as published from the first real-time `check` that saw it everywhere, never from a guess,
/// a rehearsal with `--now`, or a sighting before the hash last went missing. (RRSIG
/// inception is no help here: it only says the data was signed *after* that time.)
public struct RolloverEvidence: Codable, Sendable, Equatable {
    public static let schemaVersion = 1

    public var firstSeen: [String: Date] = [:]

    public init() {}

    /// The key under which a record's first sighting is kept: `owner rdata`.
    public static func key(_ endpoint: TLSAEndpoint, _ record: TLSARecordData) -> String {
        key(owner: endpoint.owner, record)
    }
    static func key(owner: DNSName, _ record: TLSARecordData) -> String { "\(owner.fqdn) \(record)" }

    /// Records a sighting of each record now, keeping earlier sightings.
    public mutating func sawPublished(_ endpoint: TLSAEndpoint, _ records: [TLSARecordData], at now: Date) {
        sawPublished(owner: endpoint.owner, records, at: now)
    }

    /// The same, by the TLSA owner name (what `publish` knows).
    public mutating func sawPublished(owner: DNSName, _ records: [TLSARecordData], at now: Date) {
        for record in records where firstSeen[Self.key(owner: owner, record)] == nil {
            firstSeen[Self.key(owner: owner, record)] = now
        }
    }

    /// A record seen missing anywhere starts again from nothing when it is next published.
    public mutating func forget(_ endpoint: TLSAEndpoint, _ records: [TLSARecordData]) {
        for record in records { firstSeen[Self.key(endpoint, record)] = nil }
    }

    /// When all of `records` had been seen published: the latest of their first sightings;
    /// nil when any of them has never been seen.
    public func publishedSince(_ endpoint: TLSAEndpoint, _ records: [TLSARecordData]) -> Date? {
        var latest = Date.distantPast
        for record in records {
            guard let seen = firstSeen[Self.key(endpoint, record)] else { return nil }
            latest = max(latest, seen)
        }
        return latest
    }

    /// Reads the state file. A missing file is no evidence yet; an unreadable or foreign one
    /// is also no evidence (never "long enough"), with the reason, and must not be overwritten.
    public static func load(path: String) -> (evidence: RolloverEvidence, problem: String?) {
        guard FileManager.default.fileExists(atPath: path) else { return (RolloverEvidence(), nil) }
        guard let data = FileManager.default.contents(atPath: path) else {
            return (
                RolloverEvidence(), "\(path) cannot be read: counting no evidence of publication (fix its permissions)"
            )
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let evidence = try? decoder.decode(RolloverEvidence.self, from: data) else {
            return (
                RolloverEvidence(),
                "\(path) is not a danectl rollover state file: counting no evidence of publication "
                    + "and leaving it untouched (move it away to start recording again)"
            )
        }
        return (evidence, nil)
    }

    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        // Encoding a dictionary of dates cannot fail.
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self) + "\n"
    }

    enum CodingKeys: String, CodingKey { case firstSeen = "first_seen", schemaVersion = "schema_version" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        firstSeen = try container.decode([String: Date].self, forKey: .firstSeen)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(firstSeen, forKey: .firstSeen)
        try container.encode(Self.schemaVersion, forKey: .schemaVersion)
    }
}

/// First-seen times a run gathered, to be saved in the rollover state file. Runs return it
/// rather than write it, so a failed run changes nothing; the caller saves it once it is done.
public struct EvidenceUpdate: Sendable {
    public let path: String
    public let text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }

    /// Saves the file (replaced atomically); a warning when it cannot, since the run itself succeeded.
    public func write() -> Diagnostic? {
        do { try AtomicFiles.write(text, to: path) } catch {
            return .warning("output-state", "cannot record first-seen times in \(path): \(error.description)")
        }
        return nil
    }
}
