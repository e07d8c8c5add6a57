import FileKit
import Foundation
import XCTest

@testable import DaneFeatures

/// generate writes a provider's files without a URL per file: the short paths must be exactly
/// what URL made, or the output claims (and so `--prune`) would stop recognising earlier files.
final class OutputPathsTests: XCTestCase {
    func testClaimKeysAreTheStandardisedPaths() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("danectl-paths-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder + "/real", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder + "/link", withDestinationPath: folder + "/real")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let paths = [
            "/", "/a", "/a/b.yaml", folder + "/link/c.example.yaml", folder + "/real/c.example.yaml",
            folder + "/link/../real/x.json", "/a//b", "/a/./b", "/a/b/.", "/a/b/..", "/a/b/", "relative/z.zone",
            "z.zone", "./z.zone", "/a/.hidden", "/a/..b", "/a/b..", "/a/...", "/.", "/..", "/a/.../b", "//",
        ]
        for path in paths {
            XCTAssertEqual(OutputClaims.key(path), URL(fileURLWithPath: path).standardizedFileURL.path, path)
        }
    }

    func testFolderPathsAreWhatURLAppends() {
        for folder in ["/", "/srv/dns", "/srv/dns/", "/tmp/x/../y"] {
            for name in ["example.com.yaml", "_tcp.example.com.zone", "a.json"] {
                let base = URL(fileURLWithPath: folder).path
                XCTAssertEqual(
                    OutputLayout.path(in: base, name), URL(fileURLWithPath: folder).appendingPathComponent(name).path,
                    "\(folder) + \(name)")
            }
        }
    }

    /// The claims file, encoded a thousand paths at a time, is byte for byte what JSONEncoder
    /// prints for the whole document: several descriptions, one with no files, paths that
    /// need escaping, and more paths than a chunk.
    func testClaimsEncodedInChunksAreWhatJSONEncoderPrints() throws {
        let many = OutputClaims.pathsPerChunk * 2 + 345
        var big: [String: String] = [:]
        for index in 0..<many { big["/srv/dns/customer\(index).example.yaml"] = String(index, radix: 16) }
        big["/srv/dns/odd \"quoted\" \\ back\nline é/x.yaml"] = "e3b0"
        // Sorted by UTF-8 bytes: one path a prefix of another, and characters of 1 to 4 bytes.
        for path in ["/srv/dns/customer1", "/srv/dns/\u{FFFD}.yaml", "/srv/dns/\u{1F600}.yaml", "/srv/dns/Z.yaml", "/"]
        {
            big[path] = "ff"
        }
        let document: [String: [String: String]] = [
            "/etc/danectl/provider.yaml": big,
            "/etc/danectl/empty.yaml": [:],
            "/etc/danectl/small \"one\".yaml": ["/srv/dns/a.yaml": "00", "/srv/dns/b.yaml": "01"],
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let whole = String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
        XCTAssertEqual(OutputClaims.encode(document), whole)
        XCTAssertEqual(
            OutputClaims.encode(["/etc/d.yaml": big]),
            String(decoding: try encoder.encode(["/etc/d.yaml": big]), as: UTF8.self) + "\n")
    }

    /// The claims record SHA-256 in lowercase hex, as `sha256sum` prints it (FIPS 180-2's
    /// examples), whatever the digest's form in between; earlier runs' claims stay readable.
    func testClaimedDigestsAreSHA256InHex() {
        XCTAssertEqual(
            OutputClaims.Digest(of: []).hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(
            OutputClaims.Digest(of: Array("abc".utf8)).hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let abc = OutputClaims.Digest(of: Array("abc".utf8))
        XCTAssertEqual(OutputClaims.Digest(hex: abc.hex), abc, "read back from the claims")
        for other in [String(abc.hex.dropLast()), abc.hex.uppercased(), abc.hex + "0", "+" + abc.hex.dropFirst()] {
            XCTAssertNil(OutputClaims.Digest(hex: other), other)
        }
        XCTAssertEqual(OutputClaims.Digest(of: [1]), OutputClaims.Digest(of: [1]))
        XCTAssertNotEqual(OutputClaims.Digest(of: [1]), OutputClaims.Digest(of: [2]))
    }

    /// The claims encoder writes JSON itself: for 300 random documents (empty ones, empty
    /// descriptions, every control character, quotes, backslashes, slashes, characters of one
    /// to four bytes) its text is JSONEncoder's, byte for byte.
    func testClaimsEncoderPrintsWhatJSONEncoderPrintsForAnyText() throws {
        var generator = SystemRandomNumberGenerator()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        for round in 0..<300 {
            let document = RandomClaims.document(descriptions: 0...3, paths: 0...6, using: &generator)
            let expected = String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
            XCTAssertEqual(OutputClaims.encode(document), expected, "round \(round)")
        }
    }

    /// The folder a key or file is made in (rollover prepare creates it first): a bare name
    /// lies in `.`, which exists, rather than in "" (NSString's answer), which cannot be created.
    func testFolderOfAPath() {
        for (path, folder) in [
            ("next.key", "."), ("/next.key", "/"), ("keys/next.key", "keys"),
            ("/etc/danectl/keys/mx1.next.key", "/etc/danectl/keys"), ("../k/next.key", "../k"),
        ] {
            XCTAssertEqual(RegularFiles.folder(of: path), folder, path)
        }
    }
}
