import Foundation
import XCTest

/// Issue 22: hosted DNS must not drop TLSA silently. octoDNS skips a record type its target
/// lacks with only a log line unless the target says `strict_supports: true`; README's recipe
/// says it, and this shows why with a provider class without TLSA (as octodns-route53 is).
final class OctoDNSStrictTests: XCTestCase {
    var octoDNS: String {
        (ProcessInfo.processInfo.environment["DANECTL_TEST_VENV"] ?? Repository.path(".venv-test"))
            + "/bin/octodns-sync"
    }

    func testAProviderWithoutTLSAFailsTheSyncUnderStrictSupports() throws {
        XCTAssertTrue(
            FileManager.default.isExecutableFile(atPath: octoDNS), "octoDNS is not installed: run scripts/install-deps")
        let folder = try TemporaryFolder()
        let generated = try Danectl.run([
            "generate", Repository.path("Examples/example.com/domain.yaml"), "--format", "octodns", "-o",
            folder.path + "/danectl/",
        ])
        XCTAssertEqual(generated.status, 0, generated.stderr)
        try FileManager.default.createDirectory(atPath: folder.file("out"), withIntermediateDirectories: true)
        func sync(strict: Bool) throws -> ProcessResult {
            let config = try folder.write(
                "config.yaml",
                """
                providers:
                  danectl: {class: octodns.provider.yaml.YamlProvider, directory: \(folder.path)/danectl}
                  hosted: {class: notlsa.NoTLSAProvider, directory: \(folder.path)/out, strict_supports: \(strict)}
                zones:
                  example.com.:
                    sources: [danectl]
                    targets: [hosted]
                """)
            return try Processes.run(
                "env",
                ["PYTHONPATH=\(Repository.path("Tests/Fixtures/octodns"))", octoDNS, "--config-file", config, "--doit"])
        }
        let strict = try sync(strict: true)
        XCTAssertNotEqual(strict.status, 0, "strict_supports must fail the sync: \(strict.stdout)")
        // Which TLSA name octoDNS reaches first is not fixed (mx1 or mx2): the refusal is what matters.
        XCTAssertNotNil(
            strict.stderr.range(
                of: #"TLSA records not supported for _25\._tcp\.mx[12]\.example\.com\."#, options: .regularExpression),
            strict.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.file("out/example.com.yaml")), "nothing pushed")
        // What the recipe guards against: without it, the TLSA records vanish and the sync "succeeds".
        let lax = try sync(strict: false)
        XCTAssertEqual(lax.status, 0, lax.stderr)
        XCTAssertFalse(
            try String(contentsOfFile: folder.file("out/example.com.yaml"), encoding: .utf8).contains("TLSA"))
    }

    /// YamlProvider reads one file per zone: a single --output FILE for several zones is refused.
    func testOneOctoDNSFileForSeveralZonesIsRefused() throws {
        let folder = try TemporaryFolder()
        let result = try Danectl.run([
            "generate", Repository.path("Examples/hosting-provider/provider.yaml"), "--format", "octodns", "-o",
            folder.file("all.yaml"),
        ])
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.contains("one file per zone"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.file("all.yaml")))
    }
}
