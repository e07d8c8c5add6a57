import Foundation
import XCTest

/// Every file in Tests/Fixtures/bad-input is one mistake an operator makes, named after it.
/// Its first line says what danectl must answer: `# expect: CODE [LINE:COLUMN]`. Each must
/// give exactly one error line at that place, exit 66 when a named file cannot be opened and 65
/// for any other bad input, and leave the output file untouched.
final class BadInputTests: XCTestCase {
    /// `verify --domains-from -` reads the list from standard input (through FileKit, not
    /// FileHandle) and names a bad line by its number there, before any DNS is asked.
    func testDomainListFromStandardInputNamesTheBadLine() throws {
        let result = try Processes.run(
            Danectl.path, ["verify", "--domains-from", "-", "--resolver", "127.0.0.1:9"],
            stdin: Data("a.example\n# a comment\n\nnot a domain!\nb.example\n".utf8))
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.contains("standard input:4:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("\"not a domain!\" is not a domain name"), result.stderr)
    }

    static let folder = Repository.path("Tests/Fixtures/bad-input")

    func testEveryBadInputFixtureFailsCleanly() throws {
        let fixtures = try FileManager.default.contentsOfDirectory(atPath: Self.folder).filter { $0.hasSuffix(".yaml") }
            .sorted()
        XCTAssertGreaterThanOrEqual(fixtures.count, 20, "fixtures went missing")
        for name in fixtures {
            let path = "\(Self.folder)/\(name)"
            let header =
                try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").first.map(String.init) ?? ""
            let expectation = header.replacingOccurrences(of: "# expect:", with: "").split(separator: " ").map(
                String.init)
            guard header.hasPrefix("# expect:"), let code = expectation.first else {
                XCTFail("\(name) does not start with \"# expect: CODE [LINE:COLUMN]\"")
                continue
            }
            try assertFailsCleanly(path, code: code, at: expectation.dropFirst().first, fixture: name)
        }
    }

    func assertFailsCleanly(_ path: String, code: String, at position: String?, fixture: String) throws {
        let out = try TemporaryFolder()
        let previous = "; the previous, good output\n"
        let target = try out.write("records.zone", previous)
        let result = try Danectl.run(["generate", path, "--output", target])

        XCTAssertEqual(result.status, code.hasSuffix("-unreadable") ? 66 : 65, "\(fixture): exit status")
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "\(fixture): want one error line, got:\n\(result.stderr)")
        let line = String(lines.first ?? "")
        let place = position.map { "\(path):\($0): error: " } ?? "\(path): error: "
        XCTAssertTrue(line.hasPrefix(place), "\(fixture): want \"\(place)...\", got \"\(line)\"")
        XCTAssertTrue(line.hasSuffix("[\(code)]"), "\(fixture): want code \(code), got \"\(line)\"")
        XCTAssertTrue(result.stdout.isEmpty, "\(fixture): printed output despite the error")
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), previous, "\(fixture): output was touched")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: out.path), ["records.zone"],
            "\(fixture): left files behind")
    }

    func testPrivateKeyMessagesNeverQuoteTheKey() throws {
        let path = "\(Self.folder)/private-key-given-as-certificate.yaml"
        let result = try Danectl.run(["generate", path])
        let key = try String(contentsOfFile: "\(Self.folder)/certs/test-only-private-key.pem", encoding: .utf8)
        for line in key.split(separator: "\n") where !line.hasPrefix("-----") {
            XCTAssertFalse(result.stderr.contains(line) || result.stdout.contains(line))
        }
        XCTAssertTrue(result.stderr.contains("holds a private key, not a certificate"), result.stderr)
    }

    func testMissingDescriptionFile() throws {
        let result = try Danectl.run(["generate", "/nonexistent/domain.yaml"])
        XCTAssertEqual(result.status, 66)
        XCTAssertEqual(
            result.stderr,
            "/nonexistent/domain.yaml: error: cannot read the description: no such file [file-unreadable]\n")
    }

    func testSeveralMistakesAreAllReportedAtOnce() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write(
            "many.yaml",
            """
            domain: example.com
            ttl: -5
            mx:
              - {host: "bad host", certificate: x.pem, colour: blue}
            tlsrpt: {rua: ["gopher://x"]}
            """)
        let result = try Danectl.run(["generate", path])
        XCTAssertEqual(result.status, 65)
        let codes = result.stderr.split(separator: "\n").compactMap { $0.split(separator: "[").last?.dropLast() }
        XCTAssertEqual(
            Set(codes.map(String.init)), ["yaml-range", "name-invalid", "yaml-unknown-key", "tlsrpt-uri"], result.stderr
        )
        // In the order an editor walks them: by line, then column.
        let places = result.stderr.split(separator: "\n").map { line -> [Int] in
            line.dropFirst(path.count + 1).split(separator: ":").prefix(2).compactMap { Int($0) }
        }
        XCTAssertTrue(places.allSatisfy { $0.count == 2 } && places.count == 4, result.stderr)
        XCTAssertEqual(places, places.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }, result.stderr)
    }

    func testUnwritableOutputExits73AndLeavesNothing() throws {
        let result = try Danectl.run([
            "generate", Repository.path("Examples/example.com/domain.yaml"),
            "--output", "/nonexistent-folder/records.zone",
        ])
        XCTAssertEqual(result.status, 73)
        XCTAssertTrue(result.stderr.hasPrefix("error: cannot write /nonexistent-folder/records.zone: "), result.stderr)
    }

    func testBrokenTemplateIsReportedWithItsPath() throws {
        let folder = try TemporaryFolder()
        let template = try folder.write("mine.mustache", "{{#zones}}never closed\n")
        let result = try Danectl.run([
            "generate", Repository.path("Examples/example.com/domain.yaml"), "--template", template,
        ])
        XCTAssertEqual(result.status, 65)
        XCTAssertTrue(result.stderr.hasPrefix("error: \(template): the template does not parse"), result.stderr)
    }

    func testBadTrustAnchorFilesAreInputErrors() throws {
        let folder = try TemporaryFolder()
        let missing = try Danectl.run([
            "verify", "--resolver", "127.0.0.1:9", "--trust-anchor", folder.file("none.ds"), "example.com",
        ])
        XCTAssertEqual(missing.status, 66)
        XCTAssertEqual(
            missing.stderr,
            "\(folder.file("none.ds")): error: cannot read the trust anchor file [trust-anchor-unreadable]\n")
        let empty = try folder.write("empty.ds", "; no records here\nexample.com. IN A 192.0.2.1\n")
        let useless = try Danectl.run(["verify", "--resolver", "127.0.0.1:9", "--trust-anchor", empty, "example.com"])
        XCTAssertEqual(useless.status, 65)
        XCTAssertEqual(
            useless.stderr,
            "\(empty): error: \(empty) holds no DS or DNSKEY record to use as a trust anchor [trust-anchor-invalid]\n")
    }

    func testBadTSIGKeyFilesAreInputErrorsNamingTheLine() throws {
        let folder = try TemporaryFolder()
        let example = Repository.path("Examples/example.com/domain.yaml")
        let missing = try Danectl.run([
            "publish", example, "--server", "127.0.0.1:9", "--tsig-key", folder.file("none.key"),
        ])
        XCTAssertEqual(missing.status, 66, missing.stderr)
        XCTAssertEqual(
            missing.stderr, "\(folder.file("none.key")): error: cannot read the TSIG key file [tsig-key-unreadable]\n")
        let broken = try folder.write(
            "broken.key", "key \"danectl\" {\n\talgorithm hmac-sha256;\n\tsecret \"c2VjcmV0c2VjcmV0c2VjcmV0\"\n};\n")
        let bad = try Danectl.run(["publish", example, "--server", "127.0.0.1:9", "--tsig-key", broken])
        XCTAssertEqual(bad.status, 65, bad.stderr)
        XCTAssertEqual(
            bad.stderr,
            "\(broken):3: error: \"secret\" needs a value and a closing semicolon: secret VALUE; [tsig-key-invalid]\n")
        let usage = try Danectl.run(["publish", example, "--server", "127.0.0.1:9"])
        XCTAssertEqual(usage.status, 64, "no key and no --dry-run")
    }

    func testRolloverAgainstADeadResolverCannotRunAndLeavesTheStateUntouched() throws {
        let folder = try TemporaryFolder()
        let state = try folder.write("state.json", "{ this is not json")
        let result = try Danectl.run([
            "rollover", "check", Repository.path("Examples/hosting-provider/provider.yaml"),
            "--resolver", "127.0.0.1:9", "--timeout", "1", "--state", state,
        ])
        XCTAssertEqual(result.status, 69, result.stderr)
        XCTAssertTrue(result.stderr.hasPrefix("error: the resolver 127.0.0.1:9 does not answer"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1)
        XCTAssertEqual(try String(contentsOfFile: state, encoding: .utf8), "{ this is not json")
        let nagios = try Danectl.run([
            "rollover", "check", Repository.path("Examples/hosting-provider/provider.yaml"),
            "--resolver", "127.0.0.1:9", "--timeout", "1", "--state", state, "--nagios",
        ])
        XCTAssertEqual(nagios.status, 3, "Nagios UNKNOWN, not CRITICAL")
        // plan waits --timeout per answer, as check does (its default, 20 s, is a long wait at 3 a.m.).
        let planStarted = Date()
        let plan = try Danectl.run([
            "rollover", "plan", Repository.path("Examples/hosting-provider/provider.yaml"),
            "--resolver", "127.0.0.1:9", "--timeout", "1",
        ])
        XCTAssertLessThan(Date().timeIntervalSince(planStarted), 12, "plan --timeout 1 against a dead resolver")
        let zero = try Danectl.run([
            "rollover", "plan", Repository.path("Examples/hosting-provider/provider.yaml"), "--timeout", "0",
        ])
        XCTAssertEqual(zero.status, 64, zero.stderr)
        XCTAssertEqual(
            plan.stderr,
            "error: the resolver 127.0.0.1:9 does not answer; check --resolver (the plan reads the live TTLs; "
                + "--offline plans without DNS) [resolver-unreachable]\n")
        XCTAssertEqual(plan.status, 69, "plan must not fall back to the description's TTLs silently: \(plan.stdout)")
    }

    /// `--lego` reads lego 4's hook names or lego 5's (LEGO_HOOK_*); a half-set environment is a
    /// usage error naming both, and a complete one goes on to the gate (here: a dead resolver, 69).
    func testLegoHookEnvironmentOfEitherVersion() throws {
        let description = Repository.path("Examples/hosting-provider/provider.yaml")
        let deploy = [
            Danectl.path, "rollover", "deploy", description, "--lego", "--resolver", "127.0.0.1:9", "--timeout", "1",
        ]
        let half = try Processes.run("env", ["LEGO_HOOK_CERT_PATH=/nonexistent.crt"] + deploy)
        XCTAssertEqual(half.status, 64, half.stderr)
        XCTAssertTrue(
            half.stderr.contains("LEGO_HOOK_CERT_DOMAINS") && half.stderr.contains("LEGO_CERT_DOMAIN"), half.stderr)
        XCTAssertEqual(half.stderr.split(separator: "\n").count, 1, half.stderr)
        for names in [
            ["LEGO_CERT_PATH", "LEGO_CERT_KEY_PATH", "LEGO_CERT_DOMAIN"],
            ["LEGO_HOOK_CERT_PATH", "LEGO_HOOK_CERT_KEY_PATH", "LEGO_HOOK_CERT_DOMAINS"],
        ] {
            let full = try Processes.run(
                "env",
                [
                    "\(names[0])=/nonexistent.crt", "\(names[1])=/nonexistent.key",
                    "\(names[2])=mx1.mail.provider.example",
                ] + deploy)
            XCTAssertNotEqual(full.status, 64, "\(names[0]): the hook's environment is read: " + full.stderr)
        }
    }
}
