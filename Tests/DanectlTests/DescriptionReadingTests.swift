import Foundation
import XCTest

/// A description is read straight from libyaml's events when it is plain, and composed by
/// Yams when it uses anchors and aliases, repeats a key or does not parse. Both paths must
/// give the same records and put every problem at the same line and column.
final class DescriptionReadingTests: XCTestCase {
    let provider = Repository.path("Examples/hosting-provider/provider.yaml")

    /// The provider example with its MX list written once and reused by alias.
    func aliased(_ text: String) -> String {
        let list =
            "    mx:\n      - {host: mx1.mail.provider.example, priority: 10}\n"
            + "      - {host: mx2.mail.provider.example, priority: 20}\n"
        let anchored =
            "    mx: &shared\n      - {host: mx1.mail.provider.example, priority: 10}\n"
            + "      - {host: mx2.mail.provider.example, priority: 20}\n"
        guard let first = text.range(of: list) else { return text }
        var out = text.replacingCharacters(in: first, with: anchored)
        while let next = out.range(of: list) { out.replaceSubrange(next, with: "    mx: *shared\n") }
        return out
    }

    func testAliasedAndPlainDescriptionsGiveTheSameRecords() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createSymbolicLink(
            atPath: folder.file("certs"), withDestinationPath: Repository.path("Examples/hosting-provider/certs"))
        let plain = try String(contentsOfFile: provider, encoding: .utf8)
        let withAliases = aliased(plain)
        XCTAssertTrue(withAliases.contains("*shared"), "the example changed; the test no longer uses an alias")
        let a = try Danectl.run(["generate", try folder.write("plain.yaml", plain), "--format", "json"])
        let b = try Danectl.run(["generate", try folder.write("aliased.yaml", withAliases), "--format", "json"])
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(b.status, 0, b.stderr)
        XCTAssertEqual(
            a.stdout.replacingOccurrences(of: "plain.yaml", with: "D"),
            b.stdout.replacingOccurrences(of: "aliased.yaml", with: "D"))
        XCTAssertTrue(a.stdout.contains("\"type\" : \"TLSA\""), a.stdout)
    }

    func testProblemsArePlacedTheSameOnBothPaths() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createSymbolicLink(
            atPath: folder.file("certs"), withDestinationPath: Repository.path("Examples/hosting-provider/certs"))
        // Mistakes after the aliased lists: a misspelt key, a bad host name, a TTL out of range.
        let mistakes = """
              - domain: broken.example
                ttl: 99999999999
                mx:
                  - {host: "mx 3.example", prority: 5}

            """
        let plain = try String(contentsOfFile: provider, encoding: .utf8) + mistakes
        let withAliases = aliased(plain)
        XCTAssertNotEqual(plain.count, withAliases.count)
        let a = try Danectl.run(["generate", try folder.write("plain.yaml", plain)])
        let b = try Danectl.run(["generate", try folder.write("aliased.yaml", withAliases)])
        XCTAssertEqual(a.status, 65, a.stderr)
        XCTAssertEqual(b.status, 65, b.stderr)
        // The aliased file is shorter, so compare each problem's code, column and distance from the end.
        func places(_ stderr: String, lines: Int) -> [String] {
            stderr.split(separator: "\n").map { line in
                let fields = line.split(separator: ":")
                let code = line.split(separator: "[").last ?? ""
                return "\(lines - (Int(fields[1]) ?? 0)):\(fields[2]) \(code)"
            }
        }
        let linesA = plain.split(separator: "\n", omittingEmptySubsequences: false).count
        let linesB = withAliases.split(separator: "\n", omittingEmptySubsequences: false).count
        XCTAssertEqual(places(a.stderr, lines: linesA), places(b.stderr, lines: linesB), a.stderr + b.stderr)
        XCTAssertEqual(a.stderr.split(separator: "\n").count, 3, a.stderr)
    }

    /// A repeated key and a syntax error are still worded by Yams, wherever they sit.
    func testRepeatedKeysAndSyntaxErrorsAreReported() throws {
        let folder = try TemporaryFolder()
        let repeated = try folder.write(
            "repeated.yaml",
            "domains:\n  - domain: a.example\n    mx: [{host: mx.a.example, priority: 10, priority: 20}]\n")
        let result = try Danectl.run(["generate", repeated])
        XCTAssertEqual(result.status, 65, result.stderr)
        XCTAssertTrue(result.stderr.contains("[yaml-duplicate-key]"), result.stderr)
        XCTAssertTrue(result.stderr.contains("\"priority\""), result.stderr)
        // Small mappings compare keys in place, large ones keep a set: a repeat is found on both
        // sides of the switch (16 keys), whichever key it repeats.
        for (keys, repeatedKey) in [(3, 1), (15, 15), (16, 1), (16, 16), (17, 9), (40, 38)] {
            let entries = (1...keys).map { "k\($0): 1" } + ["k\(repeatedKey): 2"]
            let large = try folder.write(
                "large-\(keys).yaml",
                "domains:\n  - domain: a.example\n    mx: [{host: mx.a.example, \(entries.joined(separator: ", "))}]\n")
            let found = try Danectl.run(["generate", large])
            XCTAssertEqual(found.status, 65, found.stderr)
            XCTAssertTrue(found.stderr.contains("[yaml-duplicate-key]"), "\(keys) keys: \(found.stderr)")
            XCTAssertTrue(found.stderr.contains("\"k\(repeatedKey)\""), "\(keys) keys: \(found.stderr)")
        }
        let broken = try folder.write("broken.yaml", "domains:\n  - domain: \"a.example\n    mx: []\n")
        let syntax = try Danectl.run(["generate", broken])
        XCTAssertEqual(syntax.status, 65, syntax.stderr)
        XCTAssertTrue(syntax.stderr.contains("[yaml-syntax]"), syntax.stderr)
        XCTAssertTrue(syntax.stderr.hasPrefix("\(broken):2:"), syntax.stderr)
    }

    /// A `domains:` list is read entry by entry as it streams in; a top-level default written
    /// after it still applies to every entry, and a late alias or mistake is read as before.
    func testDomainsListIsReadTheSameWhereverItSits() throws {
        let folder = try TemporaryFolder()
        let certificate = Repository.path("Examples/hosting-provider/certs/mx1.pem")
        let hosts = "hosts:\n  - {host: mx1.provider.example, certificate: \(certificate)}\n"
        let domains =
            "domains:\n"
            + (1...3).map { "  - {domain: c\($0).example, mx: [{host: mx1.provider.example, priority: 10}]}\n" }
            .joined()
        let last = try Danectl.run(["generate", try folder.write("last.yaml", "ttl: 600\n" + hosts + domains)])
        let first = try Danectl.run(["generate", try folder.write("first.yaml", domains + hosts + "ttl: 600\n")])
        XCTAssertEqual(last.status, 0, last.stderr)
        XCTAssertEqual(first.status, 0, first.stderr)
        func body(_ text: String) -> String { text.split(separator: "\n").filter { !$0.hasPrefix(";") }.joined() }
        XCTAssertEqual(body(first.stdout), body(last.stdout))
        XCTAssertTrue(last.stdout.contains("c3.example. 600 IN MX 10 mx1.provider.example."), last.stdout)

        // An alias in the last entry sends the whole file to Yams; a mistake in the second entry
        // is then reported once, not once per reading.
        let late =
            hosts + "domains:\n"
            + "  - {domain: c1.example, mx: &m [{host: mx1.provider.example, priority: 10}]}\n"
            + "  - {domain: c2.example, mx: [{host: mx1.provider.example, prority: 10}]}\n"
            + "  - {domain: c3.example, mx: *m}\n"
        let aliased = try Danectl.run(["generate", try folder.write("late.yaml", late)])
        XCTAssertEqual(aliased.status, 65, aliased.stderr)
        XCTAssertEqual(aliased.stderr.components(separatedBy: "[yaml-unknown-key]").count - 1, 1, aliased.stderr)
        XCTAssertTrue(aliased.stderr.contains("late.yaml:5:"), aliased.stderr)
        let written = late.replacingOccurrences(of: " &m", with: "").replacingOccurrences(
            of: "*m", with: "[{host: mx1.provider.example, priority: 10}]")
        let plain = try Danectl.run(["generate", try folder.write("plain.yaml", written)])
        XCTAssertEqual(plain.status, 65)
        XCTAssertEqual(
            plain.stderr.replacingOccurrences(of: "plain.yaml", with: "D"),
            aliased.stderr.replacingOccurrences(of: "late.yaml", with: "D"))
    }

    /// A domain described twice is found as the list streams in (on the thread that checks the
    /// entries) and reported with both places, beside the other problems, on both paths.
    func testRepeatedDomainsAreReportedWithBothPlaces() throws {
        let folder = try TemporaryFolder()
        let certificate = Repository.path("Examples/hosting-provider/certs/mx1.pem")
        let text =
            "hosts:\n  - {host: mx1.provider.example, certificate: \(certificate)}\n" + "domains:\n"
            + (1...600).map { "  - {domain: c\($0).example, mx: [{host: mx1.provider.example, priority: 10}]}\n" }
            .joined()
            + "  - {domain: c2.example, mx: [{host: mx1.provider.example, priority: 20}]}\n"
            + "  - {domain: c601.example, mx: [{host: mx1.provider.example, prority: 10}]}\n"
        let streamed = try Danectl.run(["generate", try folder.write("twice.yaml", text)])
        XCTAssertEqual(streamed.status, 65, streamed.stderr)
        let lines = streamed.stderr.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.contains("twice.yaml:605:") && $0.contains("[yaml-unknown-key]") })
        let repeated = try XCTUnwrap(lines.firstIndex { $0.contains("[domain-duplicate]") }, streamed.stderr)
        XCTAssertTrue(lines[repeated].hasPrefix("\(folder.path)/twice.yaml:604:"), lines[repeated])
        XCTAssertTrue(lines[repeated].contains("c2.example. is described twice (first at "), lines[repeated])
        XCTAssertTrue(lines[repeated].contains("twice.yaml:5:"), lines[repeated])
        // The same description through Yams (an alias sends it there) reports the same.
        let aliased = text.replacingOccurrences(of: "domains:\n", with: "x: &a 1\ndomains:\n")
        let composed = try Danectl.run(["generate", try folder.write("twice2.yaml", aliased)])
        XCTAssertEqual(composed.stderr.components(separatedBy: "[domain-duplicate]").count, 2, composed.stderr)
    }
}
