import DaneModel
import FileKit
import FoundationEssentials
import Glibc

/// Deployments that could not go in yet, kept durably beside the description so that a timer
/// (`rollover deploy FILE --pending`) finishes what an ACME client's hook started: certbot
/// calls its deploy hook once per renewal, and a hook that ran before the next hash had been
/// published long enough must not mean "never". The certificate and key are copied in (the
/// file is 0600): the ACME client may replace its own files before the gate opens.
public struct PendingDeployment: Codable, Sendable, Equatable {
    public var host: String
    public var chainPEM: String
    public var keyPEM: String
    /// Where the certificate came from (for people: a certbot lineage, a path).
    public var source: String
    public var since: Date
    /// When the gate said it would open, at the last attempt.
    public var earliestSafe: Date?
    public var reload: String?
    public var resolver: String?
    public var attempts: Int
    /// The description's own `next:` key file the key was read from (nil for a key an ACME
    /// client made): while that file still holds this key, the deploy reads it from there, so
    /// the cycle goes on with a fresh next key afterwards as a direct deploy's does.
    public var nextKeyPath: String?

    enum CodingKeys: String, CodingKey {
        case host, chainPEM = "chain_pem", keyPEM = "key_pem", source, since, earliestSafe = "earliest_safe", reload,
            resolver, attempts
        case nextKeyPath = "next_key_path"
    }

    public init(
        host: String, chainPEM: String, keyPEM: String, source: String, since: Date, earliestSafe: Date?,
        reload: String?,
        resolver: String?, attempts: Int, nextKeyPath: String? = nil
    ) {
        self.host = host
        self.chainPEM = chainPEM
        self.keyPEM = keyPEM
        self.source = source
        self.since = since
        self.earliestSafe = earliestSafe
        self.reload = reload
        self.resolver = resolver
        self.attempts = attempts
        self.nextKeyPath = nextKeyPath
    }
}

public enum PendingDeployments {
    /// `FILE.pending.json` beside the description.
    public static func path(for description: String) -> String { description + ".pending.json" }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public static func load(_ description: String) throws(Failure) -> [PendingDeployment] {
        let path = path(for: description)
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        do {
            let data = try RegularFiles.read(path, limit: 16 << 20, followLinks: false)
            return try decoder.decode([PendingDeployment].self, from: data)
        } catch {
            throw Failure(
                description:
                    "\(path): cannot read the pending deployments (\(error)); move it aside after looking at it")
        }
    }

    /// Replaces the list (removes the file when it is empty); private to its owner: it holds keys.
    public static func save(_ pending: [PendingDeployment], for description: String) throws(Failure) {
        let path = path(for: description)
        if pending.isEmpty {
            if unlink(path) != 0 && errno != ENOENT {
                throw Failure(description: "cannot remove \(path): \(String(cString: strerror(errno)))")
            }
            return
        }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            try AtomicFiles.write([(path, String(decoding: try encoder.encode(pending), as: UTF8.self) + "\n", 0o600)])
        } catch {
            throw Failure(description: "cannot record the pending deployment in \(path): \(error)")
        }
    }

    /// Records (or refreshes, for the same host and certificate) a deployment the gate said
    /// "not yet" to.
    public static func record(_ entry: PendingDeployment, for description: String) throws(Failure) {
        var pending = try load(description).filter { !($0.host == entry.host && $0.chainPEM != entry.chainPEM) }
        if let index = pending.firstIndex(where: { $0.host == entry.host }) {
            pending[index].earliestSafe = entry.earliestSafe
            pending[index].attempts += 1
        } else {
            pending.append(entry)
        }
        try save(pending, for: description)
    }

    /// A deploy that put a certificate in service for `host` supersedes what was pending for it
    /// (the same certificate, or an older one): left there, the timer would try it again.
    public static func settle(host: String, for description: String) throws(Failure) {
        let pending = try load(description)
        let kept = pending.filter { $0.host != host }
        if kept.count != pending.count { try save(kept, for: description) }
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// Whether a path belongs to an ACME client (certbot's live/ and archive/, lego's certificates
/// folder, acme.sh's home): deploy reads such files but never writes, replaces or removes them,
/// or the client's next renewal breaks ("expected ... to be a symlink").
public enum ACMEClientFiles {
    public static func owns(_ path: String) -> Bool {
        let resolved = RegularFiles.realPath(path) ?? path
        return [path, resolved].contains { candidate in
            let parts = candidate.split(separator: "/").map(String.init)
            for (index, part) in parts.enumerated() {
                let next = index + 1 < parts.count ? parts[index + 1] : ""
                if part == "letsencrypt" && (next == "live" || next == "archive") { return true }
                if part == ".lego" && next == "certificates" { return true }
                if part == ".acme.sh" || part == "acme.sh" { return true }
            }
            return false
        }
    }
}
