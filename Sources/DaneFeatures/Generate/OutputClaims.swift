import DaneModel
import FileKit
import FoundationEssentials
import Glibc
import OpenSSLKit

/// Which files in an output folder each description wrote, so `generate --prune` removes only
/// what that description (by its real path, not its base name: two customers' `domain.yaml`
/// may share a folder) wrote earlier and no longer makes, and only while the file is still what
/// danectl wrote (a copy edited by hand is left, with a note). Kept in the folder as
/// `.danectl-outputs.json` (path → SHA-256 of the content), updated under a lock.
public struct OutputClaims: Sendable {
    public static let fileName = ".danectl-outputs.json"

    public let folder: String
    /// The description's real path: its identity in the claims.
    public let description: String

    public init(folder: String, description: String) {
        self.folder = URL(fileURLWithPath: folder).standardizedFileURL.path
        self.description =
            RegularFiles.realPath(description) ?? URL(fileURLWithPath: description).standardizedFileURL.path
    }

    /// What pruning did: removed, or left with why.
    public struct Pruned: Sendable, Equatable {
        public var removed: [String] = []
        public var kept: [(path: String, reason: String)] = []
        public static func == (a: Pruned, b: Pruned) -> Bool {
            a.removed == b.removed && a.kept.map(\.path) == b.kept.map(\.path)
        }
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Records the files this run wrote (or left unchanged), then, given `pruningAllBut` (every
    /// path the whole description produces, whatever `--zone` kept: `--prune`), removes the
    /// files this description claimed earlier that it no longer makes.
    public func update(
        written: [(path: String, digest: Digest?)], pruningAllBut makes: Set<String>?
    ) throws(Failure) -> Pruned {
        try begin(written: written).finish(pruningAllBut: makes)
    }

    /// `update`'s first half, which may run while the files written are being put in place (a
    /// provider's 100,000 claims take as long to encode as its files to rename): takes the
    /// folder's claims lock, records `written`, and stages the claims file as it will be if
    /// nothing is pruned. Then `finish` once the files are in place, or `abandon`.
    public func begin(written: [(path: String, digest: Digest?)]) throws(Failure) -> Update {
        let manifest = OutputLayout.path(in: folder, Self.fileName)
        guard let lock = FileLock.acquire(directory: folder, wait: 30) else {
            throw Failure(description: "\(folder): another generate holds the output folder's claims; run again")
        }
        var document = Self.load(manifest)
        // Taken out, not copied: changing a dictionary the document still shares copies it whole.
        var mine = document.removeValue(forKey: description) ?? [:]
        for file in written {
            let key = Self.key(file.path)
            // Unchanged files keep the text already recorded (no new string for each).
            if let digest = file.digest, let recorded = mine[key], Digest(hex: recorded) == digest { continue }
            mine[key] = file.digest?.hex ?? ""
        }
        document[description] = mine
        let update = Update(lock: lock, manifest: manifest, description: description, document: document)
        try update.stage()
        return update
    }

    /// Claims recorded and staged, not yet in place; holds the folder's claims lock until
    /// `finish` or `abandon`. Used from one thread at a time.
    public final class Update: @unchecked Sendable {
        private var lock: FileLock?
        private let manifest: String
        private let description: String
        private var document: [String: [String: String]]
        private var staged = AtomicFiles.ChangedSet(expectedCount: 1)

        fileprivate init(lock: FileLock, manifest: String, description: String, document: [String: [String: String]]) {
            (self.lock, self.manifest, self.description, self.document) = (lock, manifest, description, document)
        }

        deinit { staged.discard() }

        /// Encoded into the staged file as it is made (a provider's claims are 11 MB of text).
        fileprivate func stage() throws(Failure) {
            let document = self.document
            do {
                try staged.add(manifest) { fd in Descriptors.write({ OutputClaims.encode(document, to: $0) }, to: fd) }
            } catch {
                abandon()
                throw Failure(description: "cannot record the output claims in \(manifest): \(error)")
            }
        }

        /// With the files in place: prunes (see `update`), restages the claims if pruning
        /// dropped any, and puts them in place.
        public func finish(pruningAllBut makes: Set<String>?) throws(Failure) -> Pruned {
            defer { abandon() }
            var pruned = Pruned()
            if let makes {
                var mine = document.removeValue(forKey: description) ?? [:]
                let before = mine.count
                let wanted = Set(makes.map(OutputClaims.key))
                for (path, recorded) in mine.sorted(by: { $0.key < $1.key }) where !wanted.contains(path) {
                    mine[path] = nil
                    switch RegularFiles.kind(path) {
                    case nil: continue
                    case .regular?:
                        guard let bytes = try? RegularFiles.read(path, limit: 64 << 20, followLinks: false),
                            Digest(of: Array(bytes)).hex == recorded
                        else {
                            pruned.kept.append((path, "changed since danectl wrote it: left in place"))
                            continue
                        }
                        if unlink(path) == 0 {
                            pruned.removed.append(path)
                        } else {
                            throw Failure(description: "cannot remove \(path): \(String(cString: strerror(errno)))")
                        }
                    case let other?:
                        pruned.kept.append((path, "\(other.words) now: left in place"))
                    }
                }
                let dropped = mine.count != before
                document[description] = mine
                if dropped {
                    staged.discard()
                    staged = AtomicFiles.ChangedSet(expectedCount: 1)
                    try stage()
                }
            }
            do { try staged.commit() } catch {
                throw Failure(description: "cannot record the output claims in \(manifest): \(error)")
            }
            return pruned
        }

        /// The files were not put in place: the claims stay as they were; the lock is released.
        public func abandon() {
            staged.discard()
            lock = nil
        }
    }

    /// Paths given to the sink at a time when the claims are written.
    static let pathsPerChunk = 1_000

    /// The claims as JSONEncoder prints them (keys sorted by their bytes, pretty, slashes
    /// unescaped) and a newline, byte for byte, a thousand paths at a time to `sink`: the whole
    /// text, and JSONEncoder's tree of a provider's 100,000 paths, were each the largest thing a
    /// 100,000-zone run held, and JSONEncoder's sorting and escaping a tenth of its time.
    /// False when `sink` refused.
    static func encode(_ document: [String: [String: String]], to sink: TextSink) -> Bool {
        guard sink("{\n") else { return false }
        for (index, description) in PathOrder.sorted(document.keys).enumerated() {
            let claims = document[description]!
            guard sink((index == 0 ? "  " : ",\n  ") + quoted(description) + " : {\n") else { return false }
            let paths = PathOrder.sorted(claims.keys)
            for start in stride(from: 0, to: paths.count, by: Self.pathsPerChunk) {
                var piece = start == 0 ? "" : ",\n"
                for (number, path) in paths[start..<min(start + Self.pathsPerChunk, paths.count)].enumerated() {
                    piece += number == 0 ? "    " : ",\n    "
                    piece += quoted(path)
                    piece += " : "
                    piece += quoted(claims[path]!)
                }
                guard sink(piece) else { return false }
            }
            guard sink("\n  }") else { return false }
        }
        return sink("\n}\n")
    }

    /// A JSON string as JSONEncoder writes one without escaping slashes: `"` and `\` escaped,
    /// control characters as `\n`-style or `\u00XX` escapes, everything else as it is.
    static func quoted(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            return "\"" + text + "\""
        }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{00}"..."\u{1F}":
                let digits = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// The claims file's text whole (tests compare it with JSONEncoder's).
    static func encode(_ document: [String: [String: String]]) -> String {
        var text = ""
        _ = encode(document) { piece in
            text += piece
            return true
        }
        return text
    }

    /// The claims on record; none when the file is missing or unreadable (then nothing is pruned).
    static func load(_ manifest: String) -> [String: [String: String]] {
        // Read by ClaimsReader: JSONDecoder's map took 48 MB at 100,000 paths, and
        // JSONSerialization's bridged NSDictionary 40 MB more than that.
        ClaimsReader.read(file: manifest) ?? [:]
    }

    /// A path as the claims record it: absolute, without `.`, `..` or doubled slashes. Paths
    /// already in that form (every file generate writes in a standard folder) are taken as they
    /// are, without a URL each.
    static func key(_ path: String) -> String {
        isStandard(path) ? path : URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// Absolute, and no component empty, `.` or `..` (read byte by byte: Foundation's
    /// `contains` cost more than the URL it saves).
    static func isStandard(_ path: String) -> Bool {
        let bytes = Array(path.utf8)
        guard bytes.first == UInt8(ascii: "/"), bytes.count > 1 else { return false }
        var start = 1
        for end in 1...bytes.count where end == bytes.count || bytes[end] == UInt8(ascii: "/") {
            let component = bytes[start..<end]
            if component.isEmpty || component.elementsEqual([UInt8(ascii: ".")])
                || component.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")])
            {
                return false
            }
            start = end + 1
        }
        return true
    }

    /// A file's SHA-256, kept as its 32 bytes until the claims are written (as hex, 100 bytes on
    /// the heap for each of a provider's 100,000 files).
    public struct Digest: Sendable, Equatable {
        private let words: (UInt64, UInt64, UInt64, UInt64)

        public init(of bytes: [UInt8]) { self.init(hash: OpenSSLKit.Digest.hash(bytes, with: .sha256)) }

        /// From the 64 lowercase hex digits `hex` prints; nil for anything else (upper case
        /// included: the claims compare the recorded text itself when pruning).
        init?(hex: String) {
            guard hex.utf8.count == 64, !hex.utf8.contains(where: { (0x41...0x46).contains($0) }),
                let bytes = Hex.decode(hex), bytes.count == 32
            else { return nil }
            self.init(hash: bytes)
        }

        private init(hash: [UInt8]) {
            func word(_ index: Int) -> UInt64 { hash[index * 8..<index * 8 + 8].reduce(0) { $0 << 8 | UInt64($1) } }
            words = (word(0), word(1), word(2), word(3))
        }

        /// 64 lowercase hex digits (Hex, the project's one codec).
        public var hex: String {
            Hex.encode(
                [words.0, words.1, words.2, words.3].flatMap { word in
                    stride(from: 56, through: 0, by: -8).map { UInt8(truncatingIfNeeded: word >> UInt64($0)) }
                })
        }

        public static func == (a: Digest, b: Digest) -> Bool { a.words == b.words }
    }
}
