import DaneModel
import FileKit
import Foundation
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
        written: [(path: String, digest: String)], pruningAllBut makes: Set<String>?
    ) throws(Failure) -> Pruned {
        let manifest = (folder as NSString).appendingPathComponent(Self.fileName)
        guard let lock = FileLock.acquire(directory: folder, wait: 30) else {
            throw Failure(description: "\(folder): another generate holds the output folder's claims; run again")
        }
        defer { withExtendedLifetime(lock) {} }
        var document = Self.load(manifest)
        var mine = document[description] ?? [:]
        for file in written { mine[Self.key(file.path)] = file.digest }
        var pruned = Pruned()
        if let makes {
            let wanted = Set(makes.map(Self.key))
            for (path, recorded) in mine.sorted(by: { $0.key < $1.key }) where !wanted.contains(path) {
                mine[path] = nil
                switch RegularFiles.kind(path) {
                case nil: continue
                case .regular?:
                    guard let bytes = try? RegularFiles.read(path, limit: 64 << 20, followLinks: false),
                        Self.digest(Array(bytes)) == recorded
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
        }
        document[description] = mine
        // Encoded into the staged file as it is made (a provider's claims are 11 MB of text).
        var encodingFailure: (any Error)?
        do {
            try AtomicFiles.write(to: manifest) { fd in
                Descriptors.write(
                    { sink in
                        do { return try Self.encode(document, to: sink) } catch {
                            encodingFailure = error
                            return false
                        }
                    }, to: fd)
            }
        } catch {
            throw Failure(description: "cannot record the output claims in \(manifest): \(encodingFailure ?? error)")
        }
        return pruned
    }

    /// Paths encoded per JSONEncoder call when the claims are written.
    static let pathsPerChunk = 1_000

    /// The claims as JSONEncoder prints them (keys sorted, pretty, slashes unescaped) and a
    /// newline, byte for byte, but encoded a thousand paths at a time and given to `sink` as
    /// they are made: JSONEncoder's tree of a provider's 100,000 paths at once, and then the
    /// whole text, were each the largest thing a 100,000-zone run held. (JSONEncoder, not
    /// JSONSerialization, which sorted those keys as AnyHashable: 6 s.) False when `sink` refused.
    static func encode(_ document: [String: [String: String]], to sink: TextSink) throws -> Bool {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        /// A pretty-printed object or list without its brackets: its lines, indented by two.
        func inside(_ value: some Encodable) throws -> Substring {
            let text = String(decoding: try encoder.encode(value), as: UTF8.self)
            return text.dropFirst(2).dropLast(2)
        }
        guard sink("{\n") else { return false }
        for (index, description) in byteOrder(document.keys).enumerated() {
            let claims = document[description]!
            guard sink((index == 0 ? "" : ",\n") + (try inside([description])) + " : {\n") else { return false }
            let paths = byteOrder(claims.keys)
            for start in stride(from: 0, to: paths.count, by: Self.pathsPerChunk) {
                let chunk = paths[start..<min(start + Self.pathsPerChunk, paths.count)]
                let lines = try inside(Dictionary(uniqueKeysWithValues: chunk.map { ($0, claims[$0]!) }))
                var piece = start == 0 ? "" : ",\n"
                piece.reserveCapacity(lines.utf8.count + 4 * chunk.count)
                // Two deeper than a top-level object's lines.
                for (number, line) in lines.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    piece += number == 0 ? "  " : "\n  "
                    piece += line
                }
                guard sink(piece) else { return false }
            }
            guard sink("\n  }") else { return false }
        }
        return sink("\n}\n")
    }

    /// The claims file's text whole (tests compare it with JSONEncoder's).
    static func encode(_ document: [String: [String: String]]) throws -> String {
        var text = ""
        _ = try encode(document) { piece in
            text += piece
            return true
        }
        return text
    }

    /// `keys` in the order of their UTF-8 bytes, as JSONEncoder sorts keys, compared in place
    /// (the generic comparison of two UTF-8 views was most of sorting 100,000 paths).
    static func byteOrder(_ keys: some Sequence<String>) -> [String] {
        keys.sorted { one, other in
            var (one, other) = (one, other)
            return one.withUTF8 { a in
                other.withUTF8 { b in
                    let common = min(a.count, b.count)
                    let order = common == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, common)
                    return order != 0 ? order < 0 : a.count < b.count
                }
            }
        }
    }

    static func load(_ manifest: String) -> [String: [String: String]] {
        // JSONDecoder: JSONSerialization's NSDictionary of a provider's 100,000 paths, bridged,
        // took 40 MB more.
        guard let data = FileManager.default.contents(atPath: manifest),
            let document = try? JSONDecoder().decode([String: [String: String]].self, from: data)
        else { return [:] }
        return document
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

    static func digest(_ bytes: [UInt8]) -> String { Hex.encode(Digest.hash(bytes, with: .sha256)) }
}
