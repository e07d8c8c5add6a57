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

    /// Records the files this run wrote (or left unchanged), then, with `prune`, removes the
    /// files this description claimed earlier that it no longer makes (`makes`: every path the
    /// whole description produces, whatever `--zone` kept).
    public func update(
        written: [(path: String, digest: String)], makes: Set<String>, prune: Bool
    ) throws(Failure) -> Pruned {
        let manifest = (folder as NSString).appendingPathComponent(Self.fileName)
        guard let lock = FileLock.acquire(directory: folder, wait: 30) else {
            throw Failure(description: "\(folder): another generate holds the output folder's claims; run again")
        }
        defer { withExtendedLifetime(lock) {} }
        var document = Self.load(manifest)
        var mine = document[description] ?? [:]
        for file in written { mine[Self.key(file.path)] = file.digest }
        let wanted = Set(makes.map(Self.key))
        var pruned = Pruned()
        if prune {
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
        do {
            // JSONEncoder: JSONSerialization sorted a provider's 100,000 keys as AnyHashable (6 s).
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            let data = try encoder.encode(document)
            try AtomicFiles.write(String(decoding: data, as: UTF8.self) + "\n", to: manifest)
        } catch {
            throw Failure(description: "cannot record the output claims in \(manifest): \(error)")
        }
        return pruned
    }

    static func load(_ manifest: String) -> [String: [String: String]] {
        guard let data = FileManager.default.contents(atPath: manifest),
            let document = try? JSONSerialization.jsonObject(with: data) as? [String: [String: String]]
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
