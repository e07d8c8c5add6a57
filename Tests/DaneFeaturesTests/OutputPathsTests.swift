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
}
