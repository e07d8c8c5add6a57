import Foundation
import XCTest

/// Regression tests for findings of the adversarial run (issue 13): each reproduces one.
final class HardeningTests: XCTestCase {
    let example = Repository.path("Examples/example.com/domain.yaml")

    /// Finding 1 (the stdout side): a reader that goes away must not kill danectl with SIGPIPE.
    func testAClosedPipeIsAnErrorNotADeathBySignal() throws {
        let folder = try TemporaryFolder()
        let certificate = Repository.path("Examples/example.com/certs/mx1.pem")
        let yaml =
            "hosts:\n  - {host: mx.big.example, certificate: \(certificate)}\ndomains:\n"
            + (0..<3000).map { "  - {domain: d\($0).big.example, mx: [{host: mx.big.example, priority: 10}]}\n" }
            .joined()
        let description = try folder.write("big.yaml", yaml)
        let result = try Processes.run(
            "/bin/bash",
            [
                "-c",
                "set -o pipefail; '\(Danectl.path)' generate '\(description)' --format json 2>/dev/null | head -c 1 >/dev/null; echo ${PIPESTATUS[0]}",
            ])
        XCTAssertEqual(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "73", "killed by SIGPIPE is 141")
    }

    /// Finding 7: every command checks its writes to standard output.
    func testLostOutputIsNeverSuccess() throws {
        let folder = try TemporaryFolder()
        let key = try Danectl.run(["keygen", "example.com", "--directory", folder.path]).stdout.trimmingCharacters(
            in: .newlines)
        for command in [
            "generate '\(example)'", "ds '\(folder.file(key))'", "keygen example.org --directory '\(folder.path)'",
            "rollover plan '\(Repository.path("Examples/hosting-provider/provider.yaml"))' --offline --now 2026-12-01T00:00:00Z",
        ] {
            let result = try Processes.run("/bin/sh", ["-c", "'\(Danectl.path)' \(command) > /dev/full"])
            XCTAssertEqual(result.status, 73, "\(command): \(result.stderr)")
        }
    }

    /// Findings 13 and 14: numeric options are range-checked as usage errors.
    func testNumericOptionsOutOfRangeAreUsageErrors() throws {
        let folder = try TemporaryFolder()
        let zone = try folder.write(
            "z.zone", "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns h 1 2 3 4 5\n@ IN NS ns\nns IN A 192.0.2.1\n")
        let key = try Danectl.run(["keygen", "example.com", "--directory", folder.path]).stdout.trimmingCharacters(
            in: .newlines)
        let sign = ["sign", zone, "--key", folder.file(key), "-o", folder.file("out")]
        let cases: [[String]] = [
            sign + ["--validity", "1000000000000000"], sign + ["--validity", "25000"], sign + ["--jitter", "10000000"],
            sign + ["--validity", "2", "--jitter", "49"], sign + ["--serial", "date", "--now", "9999-12-31T00:00:00Z"],
            ["generate", example, "--sign", "--validity", "0"],
            ["verify", "--timeout", "nan", "example.com"], ["verify", "--timeout", "-1", "example.com"],
            ["rollover", "check", example, "--timeout", "nan"], ["rollover", "check", example, "--timeout", "inf"],
            ["rollover", "check", example, "--timeout", "1e300"], ["rollover", "check", example, "--timeout", "0"],
        ]
        for arguments in cases {
            let result = try Danectl.run(arguments)
            XCTAssertEqual(result.status, 64, "\(arguments.joined(separator: " ")): \(result.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.file("out")))
    }

    /// Finding 20: an output that is an input is refused, and the description survives.
    func testGenerateNeverOverwritesItsOwnDescription() throws {
        let folder = try TemporaryFolder()
        let text = try String(contentsOfFile: example, encoding: .utf8)
            .replacingOccurrences(of: "certs/", with: Repository.path("Examples/example.com/certs") + "/")
        let description = try folder.write("d.yaml", text)
        let result = try Danectl.run(["generate", description, "-o", description])
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.contains("is an input of this run"), result.stderr)
        XCTAssertEqual(try String(contentsOfFile: description, encoding: .utf8), text)
    }

    /// Issue 22: a certificate the description reads is never an output, however the path is
    /// spelled (./one-cert.pem beside the description, a link to it).
    func testGenerateNeverOverwritesACertificateItReads() throws {
        let folder = try TemporaryFolder()
        let certificate = try String(
            contentsOfFile: Repository.path("Examples/example.com/certs/mx1.pem"), encoding: .utf8)
        try folder.write("one-cert.pem", certificate)
        let description = try folder.write(
            "one.yaml", "domain: example.com\nmx: [{host: mx1.example.com, certificate: one-cert.pem}]\n")
        try FileManager.default.createSymbolicLink(
            atPath: folder.file("link.pem"), withDestinationPath: folder.file("one-cert.pem"))
        for output in [
            "./one-cert.pem", folder.file("one-cert.pem"), folder.file("link.pem"),
            folder.path + "/../" + URL(fileURLWithPath: folder.path).lastPathComponent + "/one-cert.pem",
        ] {
            let result = try Danectl.run(["generate", description, "-o", output], directory: folder.path)
            XCTAssertEqual(result.status, 64, "\(output): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("is an input of this run"), result.stderr)
            XCTAssertEqual(
                try String(contentsOfFile: folder.file("one-cert.pem"), encoding: .utf8), certificate, output)
        }
    }

    /// Finding 22: sign reads regular files only; a FIFO or /dev/zero is an input error at once.
    func testSignRefusesWhatIsNotARegularFile() throws {
        let folder = try TemporaryFolder()
        let key = try Danectl.run(["keygen", "example.com", "--directory", folder.path]).stdout.trimmingCharacters(
            in: .newlines)
        XCTAssertEqual(mkfifo(folder.file("fifo"), 0o600), 0)
        for input in ["/dev/zero", folder.file("fifo"), folder.path] {
            let started = Date()
            let result = try Danectl.run(["sign", input, "--key", folder.file(key), "-o", folder.file("out")])
            XCTAssertEqual(result.status, 66, "\(input): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("not a regular file"), result.stderr)
            XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        }
    }

    /// Finding 9: errors about an included file name the file and line, never its content.
    func testSignNeverQuotesAnIncludedFile() throws {
        let folder = try TemporaryFolder()
        let zone = try folder.write(
            "z.zone", "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns h 1 2 3 4 5\n@ IN NS ns\nns IN A 192.0.2.1\n")
        let key = folder.file(
            try Danectl.run(["keygen", "example.com", "--directory", folder.path]).stdout.trimmingCharacters(
                in: .newlines))
        let secret = try String(contentsOfFile: key + ".private", encoding: .utf8)
        let shadow = try folder.write("shadow", "root:$6$secret-hash:19000:0:99999:7:::\n")
        for include in [key + ".private", shadow] {
            let result = try Danectl.run(["sign", zone, "--key", key, "--include", include, "-o", folder.file("out")])
            XCTAssertEqual(result.status, 65, result.stderr)
            for line in (secret + "root:$6$secret-hash").split(separator: "\n") where line.count > 12 {
                let value =
                    line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                XCTAssertFalse(
                    value.count > 8 && result.stderr.contains(value), "the error quotes \(include): \(result.stderr)")
            }
            XCTAssertTrue(
                result.stderr.contains((include as NSString).lastPathComponent + ":"),
                "the error names the file and line: \(result.stderr)")
        }
    }

    /// Finding 10: a chain file in the wrong order (CA first) is an error, not a 3 1 1 for the CA's key.
    func testAChainWithTheCAFirstIsRefused() throws {
        let result = try Danectl.run(["generate", Repository.path("Tests/Fixtures/bad-input/chain-ca-first.yaml")])
        XCTAssertEqual(result.status, 65)
        XCTAssertTrue(result.stdout.isEmpty)
        XCTAssertTrue(result.stderr.contains("[tlsa-chain-order]"), result.stderr)
    }

    /// Finding 15: owner names over 255 octets and RDATA over 65,535 are errors, not output
    /// BIND and NSD refuse.
    func testNamesAndRecordsBeyondDNSLimitsAreRefused() throws {
        let folder = try TemporaryFolder()
        let certificate = Repository.path("Examples/example.com/certs/mx1.pem")
        // 260 octets with _65535._tcp
        let longHost = (0..<4).map { _ in String(repeating: "a", count: 62) }.joined(separator: ".") + ".example"
        let host = try folder.write(
            "host.yaml",
            "domain: example\nmx: [{host: \(longHost.suffix(253)), port: 65535, certificate: \(certificate)}]\n")
        let longName = try Danectl.run(["generate", host])
        XCTAssertEqual(longName.status, 65, longName.stderr)
        XCTAssertTrue(longName.stderr.contains("[name-too-long]"), longName.stderr)
        let rua = "mailto:tlsrpt@example.com?x=" + String(repeating: "y", count: 70_000)
        let report = try folder.write(
            "rua.yaml",
            "domain: example.com\nmx: [{host: mx.example.com, certificate: \(certificate)}]\ntlsrpt: {rua: [\"\(rua)\"]}\n"
        )
        let longRecord = try Danectl.run(["generate", report])
        XCTAssertEqual(longRecord.status, 65, String(longRecord.stderr.prefix(500)))
        XCTAssertTrue(longRecord.stderr.contains("[rdata-too-long]"), String(longRecord.stderr.prefix(500)))
        XCTAssertTrue(longRecord.stdout.isEmpty)
    }

    /// Finding 21: a key no SMTP server can authenticate with gets no TLSA record.
    func testKeysThatCannotAuthenticateTLSAreRefused() throws {
        let folder = try TemporaryFolder()
        XCTAssertEqual(
            try Processes.shell(
                "openssl genpkey -algorithm X25519 -out x.key && openssl pkey -in x.key -pubout -out x.pub",
                directory: folder.path
            ).status, 0)
        let description = try folder.write("d.yaml", "domain: example.com\nmx: [{host: mx.example.com, key: x.pub}]\n")
        let result = try Danectl.run(["generate", description])
        XCTAssertEqual(result.status, 65, result.stderr)
        XCTAssertTrue(
            result.stderr.contains("holds a X25519 key, which cannot authenticate a TLS server"), result.stderr)
        XCTAssertTrue(result.stdout.isEmpty)
    }

    /// Finding 24: an included description with nothing for the zone being signed says so.
    func testIncludingADescriptionForAnotherZoneWarns() throws {
        let folder = try TemporaryFolder()
        let zone = try folder.write(
            "z.zone", "$ORIGIN example.net.\n$TTL 300\n@ IN SOA ns h 1 2 3 4 5\n@ IN NS ns\nns IN A 192.0.2.1\n")
        let key = folder.file(
            try Danectl.run(["keygen", "example.net", "--directory", folder.path]).stdout.trimmingCharacters(
                in: .newlines))
        let result = try Danectl.run(["sign", zone, "--key", key, "--include", example, "-o", folder.file("out")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(
            result.stderr.contains("describes no records for zone example.net.")
                && result.stderr.contains("[include-nothing]"), result.stderr)
    }

    /// Finding 25 (in part): control characters from a description never reach the terminal raw.
    func testControlCharactersInMessagesAreShownEscaped() throws {
        let folder = try TemporaryFolder()
        let description = try folder.write("d.yaml", "domain: \"evil\\e[2J.example\"\nmx: []\n")  // YAML's \e is ESC
        let result = try Danectl.run(["generate", description])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertFalse(
            result.stderr.contains("\u{1B}"), "a raw ESC reached the terminal: \(result.stderr.debugDescription)")
        XCTAssertTrue(result.stderr.contains("\\u{1B}"), result.stderr)
    }

    /// Finding 18: a signing run killed mid-write (SIGKILL, no chance to clean up) leaves no
    /// temporary files, and the previous output is untouched.
    func testAKilledRunLeavesNoTemporaryFiles() throws {
        let folder = try TemporaryFolder()
        let key = folder.file(
            try Danectl.run(["keygen", "example.com", "--directory", folder.path]).stdout.trimmingCharacters(
                in: .newlines))
        var zone = "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns h 1 2 3 4 5\n@ IN NS ns\nns IN A 192.0.2.1\n"
        for i in 0..<60_000 { zone += "h\(i) IN A 192.0.2.\(i % 250 + 1)\n" }
        let input = try folder.write("big.zone", zone)
        let output = try folder.write("big.signed", "; the previous output\n")
        for delay in ["0.3", "0.8"] {
            _ = try Processes.run(
                "/bin/sh",
                [
                    "-c",
                    "'\(Danectl.path)' sign '\(input)' --key '\(key)' -o '\(output)' & sleep \(delay); kill -9 $! ; wait",
                ])
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
                $0.contains(".danectl-")
            }
            XCTAssertEqual(leftovers, [], "after SIGKILL at \(delay) s")
            XCTAssertEqual(try String(contentsOfFile: output, encoding: .utf8), "; the previous output\n")
        }
    }

    /// Finding 8: a second SOA is refused before ldns parses the text (three SOAs in one piece
    /// make ldns 1.8.3 read freed memory), with the line of the second, however it is written.
    func testASecondSOAIsRefusedBeforeLdnsSeesIt() throws {
        let folder = try TemporaryFolder()
        let key = folder.file(
            try Danectl.run(["keygen", "example.com", "--directory", folder.path]).stdout.trimmingCharacters(
                in: .newlines))
        let head = "$TTL 300\n$ORIGIN example.com.\n@ IN SOA ns h 1 2 3 4 5\n"
        let cases: [(String, Int)] = [
            ("@ IN SOA ns h 2 2 3 4 5\n@ IN SOA ns h 3 2 3 4 5\n", 4),
            ("@ IN NS ns\n  300 soa ns h ( 2\n 2 3 4 5 )\n", 5),
            ("@ IN NS ns\nwww IN A 192.0.2.1\n@ 300 CLASS1 SOA ns h 2 2 3 4 5\n", 6),
        ]
        for (rest, line) in cases {
            let zone = try folder.write("soa.zone", head + rest)
            let result = try Danectl.run(["sign", zone, "--key", key, "-o", folder.file("out")])
            XCTAssertEqual(result.status, 65, result.stderr)
            XCTAssertEqual(
                result.stderr,
                "\(zone):\(line): error: a second SOA record (the first is at line 3); a zone file holds one zone [zone-parse]\n"
            )
        }
        // Owners and data that merely say "soa" are not SOA records.
        let fine = try folder.write("fine.zone", head + "@ IN NS ns\nsoa IN A 192.0.2.1\nx IN TXT \"soa\"\n")
        XCTAssertEqual(try Danectl.run(["sign", fine, "--key", key, "-o", folder.file("out")]).status, 0)
    }

    /// Finding 16: ldns keeps at most 65,535 bytes of a record's data text and drops the rest
    /// without a word (a long TXT loses strings); sign refuses such a record with its line,
    /// and keeps one just under the limit whole.
    func testOversizedTXTIsRefusedNotTruncated() throws {
        let folder = try TemporaryFolder()
        let key = folder.file(
            try Danectl.run(["keygen", "example.com", "--directory", folder.path]).stdout.trimmingCharacters(
                in: .newlines))
        let head = "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns h 1 2 3 4 5\n@ IN NS ns\n"
        let string = "\"" + String(repeating: "x", count: 250) + "\""
        let big = try folder.write(
            "big.zone",
            head + "big IN TXT ( " + Array(repeating: string, count: 280).joined(separator: "\n ")
                + " )\nafter IN A 192.0.2.1\n")
        let refused = try Danectl.run(["sign", big, "--key", key, "-o", folder.file("out")])
        XCTAssertEqual(refused.status, 65, refused.stderr)
        XCTAssertTrue(
            refused.stderr.hasPrefix(
                "\(big):5: error: the record's data is 71122 bytes of text; the zone parser (ldns) keeps at most 65,535"
            ),
            refused.stderr)
        // 259 strings of 250 characters: 65,526 bytes of text, which ldns keeps whole.
        let fits = try folder.write(
            "fits.zone", head + "big IN TXT " + Array(repeating: string, count: 259).joined(separator: " ") + "\n")
        let signed = try Danectl.run(["sign", fits, "--key", key, "-o", folder.file("out")])
        XCTAssertEqual(signed.status, 0, signed.stderr)
        let line = try XCTUnwrap(
            try String(contentsOfFile: folder.file("out"), encoding: .utf8).split(separator: "\n").first {
                $0.hasPrefix("big.example.com.\t300\tIN\tTXT")
            })
        XCTAssertEqual(line.components(separatedBy: "\"x").count - 1, 259, "every string kept")
    }

    /// Finding 25 (rest): mixed TTLs in an RRset are named in a warning; the same key given
    /// twice signs once; zone names with `_` labels work for keygen and sign.
    func testMixedTTLsSameKeyTwiceAndUnderscoreZones() throws {
        let folder = try TemporaryFolder()
        let key = folder.file(
            try Danectl.run(["keygen", "example.com", "--directory", folder.path]).stdout.trimmingCharacters(
                in: .newlines))
        let zone = try folder.write(
            "z.zone",
            "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns h 1 2 3 4 5\n@ IN NS ns\n"
                + "www 300 IN A 192.0.2.1\nwww 600 IN A 192.0.2.2\n")
        let once = try Danectl.run(["sign", zone, "--key", key, "-o", folder.file("once")])
        let twice = try Danectl.run(["sign", zone, "--key", key, "--key", key + ".key", "-o", folder.file("twice")])
        XCTAssertEqual(twice.status, 0, twice.stderr)
        XCTAssertTrue(
            twice.stderr.contains("1 RRset has records with different TTLs (www.example.com. A)"), twice.stderr)
        XCTAssertTrue(twice.stderr.contains("[sign-mixed-ttl]"), twice.stderr)
        func signatures(_ result: ProcessResult) -> String? {
            result.stderr.components(separatedBy: " signatures").first?.components(separatedBy: " ").last
        }
        XCTAssertEqual(signatures(twice), signatures(once), "the same key twice signs once: \(twice.stderr)")

        let underscore = try Danectl.run(["keygen", "_tcp.example.com", "--directory", folder.path])
        XCTAssertEqual(underscore.status, 0, underscore.stderr)
        let subzone = try folder.write(
            "sub.zone",
            "$ORIGIN _tcp.example.com.\n$TTL 300\n@ IN SOA ns.example.com. h 1 2 3 4 5\n@ IN NS ns.example.com.\n"
                + "_25 IN TXT \"below an underscore zone\"\n")
        let signed = try Danectl.run([
            "sign", subzone, "--key", folder.file(underscore.stdout.trimmingCharacters(in: .newlines)), "-o",
            folder.file("sub"),
        ])
        XCTAssertEqual(signed.status, 0, signed.stderr)
    }

    /// Finding 11: empty RDATA is printed as `\\# 0`, so BIND and NSD load the signed zone.
    func testEmptyRDATAIsPrintedAsGenericEmpty() throws {
        let folder = try TemporaryFolder()
        let (ksk, zsk) = try makeKeys(in: folder)
        let zone = try folder.write(
            "example.com.zone",
            "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns h 1 2 3 4 5\n@ IN NS ns\nns IN A 192.0.2.1\n"
                + "private IN TYPE65534 \\# 0\nlist IN APL\n")
        let output = folder.file("signed")
        let result = try Danectl.run(["sign", zone, "--key", ksk, "--key", zsk, "-o", output])
        XCTAssertEqual(result.status, 0, result.stderr)
        let text = try String(contentsOfFile: output, encoding: .utf8)
        XCTAssertTrue(text.contains("private.example.com.\t300\tIN\tTYPE65534\t\\# 0\n"), text)
        XCTAssertTrue(text.contains("list.example.com.\t300\tIN\tAPL\t\\# 0\n"), text)
        try assertValid(output, "empty RDATA")
    }

    /// Finding 19: several zone files are replaced as a set; when one cannot be, none is.
    func testSeveralOutputFilesChangeAllOrNone() throws {
        let folder = try TemporaryFolder()
        let output = folder.path + "/zones/"
        let provider = Repository.path("Examples/hosting-provider/provider.yaml")
        XCTAssertEqual(try Danectl.run(["generate", provider, "-o", output]).status, 0)
        let first = output + "customer-a.example.bind"
        try "; edited by hand, must survive a failed run\n".write(toFile: first, atomically: true, encoding: .utf8)
        // The last file in order cannot be replaced: a non-empty folder stands in its place.
        let blocker = output + "provider.example.bind"
        try FileManager.default.removeItem(atPath: blocker)
        try FileManager.default.createDirectory(atPath: blocker + "/inside", withIntermediateDirectories: true)
        let result = try Danectl.run(["generate", provider, "-o", output])
        XCTAssertEqual(result.status, 73, result.stderr)
        XCTAssertTrue(result.stderr.contains("no file was changed"), result.stderr)
        XCTAssertEqual(
            try String(contentsOfFile: first, encoding: .utf8), "; edited by hand, must survive a failed run\n")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: output).filter {
                $0.hasPrefix(".") && $0 != OutputClaimsFile.name
            }, [])
    }

    /// Files are staged as they are rendered, so the refusal of a later file (here the last
    /// zone's file is a link to the description itself) comes after earlier ones were staged:
    /// they are removed, nothing in the folder changes, and the description survives.
    func testARefusalLateInAFolderLeavesEveryFileAsItWas() throws {
        let folder = try TemporaryFolder()
        let output = folder.path + "/zones/"
        let provider = Repository.path("Examples/hosting-provider/provider.yaml")
        let text = try String(contentsOfFile: provider, encoding: .utf8)
        XCTAssertEqual(try Danectl.run(["generate", provider, "-o", output]).status, 0)
        let first = output + "customer-a.example.bind"
        try "; edited by hand, must survive a failed run\n".write(toFile: first, atomically: true, encoding: .utf8)
        let last = output + "provider.example.bind"
        try FileManager.default.removeItem(atPath: last)
        try FileManager.default.createSymbolicLink(atPath: last, withDestinationPath: provider)
        let before = try FileManager.default.contentsOfDirectory(atPath: output).sorted()
        let result = try Danectl.run(["generate", provider, "-o", output])
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.contains("\(last) is an input of this run"), result.stderr)
        XCTAssertEqual(
            try String(contentsOfFile: first, encoding: .utf8), "; edited by hand, must survive a failed run\n")
        XCTAssertEqual(try String(contentsOfFile: provider, encoding: .utf8), text)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: output).sorted(), before)
    }

    /// A FIFO where an output file goes is not read (that would wait for a writer forever): it
    /// is replaced by the file, for a single output and in a folder alike.
    func testAFIFOWhereTheOutputGoesDoesNotHangTheRun() throws {
        let folder = try TemporaryFolder()
        let provider = Repository.path("Examples/hosting-provider/provider.yaml")
        let single = folder.file("dane.zone")
        let zones = folder.path + "/zones/"
        try FileManager.default.createDirectory(atPath: zones, withIntermediateDirectories: true)
        let inFolder = zones + "customer-a.example.bind"
        for fifo in [single, inFolder] { XCTAssertEqual(mkfifo(fifo, 0o644), 0, fifo) }
        for (output, file) in [(single, single), (zones, inFolder)] {
            let result = try Processes.shell(
                "timeout 60 '\(Danectl.path)' generate '\(provider)' --output '\(output)'; echo \"status $?\"")
            XCTAssertTrue(result.stdout.hasSuffix("status 0\n"), result.stdout + result.stderr)
            XCTAssertEqual(
                try FileManager.default.attributesOfItem(atPath: file)[.type] as? FileAttributeType, .typeRegular)
        }
        XCTAssertTrue(try String(contentsOfFile: single, encoding: .utf8).contains(" IN TLSA 3 1 1 "))
        XCTAssertTrue(try String(contentsOfFile: inFolder, encoding: .utf8).contains(" IN MX "))
    }

    /// Finding 16: zones BIND refuses are refused, naming the name; and finding 12: names under
    /// a DNAME are occluded (no NSEC, no RRSIG), so the validators accept the signed zone.
    func testSignRefusesWhatServersRefuseAndRespectsDNAME() throws {
        let folder = try TemporaryFolder()
        let key = folder.file(
            try Danectl.run(["keygen", "example.com", "--directory", folder.path]).stdout.trimmingCharacters(
                in: .newlines))
        let ksk = folder.file(
            try Danectl.run(["keygen", "example.com", "--ksk", "--directory", folder.path]).stdout.trimmingCharacters(
                in: .newlines))
        let head = "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns h 1 2 3 4 5\n@ IN NS ns\nns IN A 192.0.2.1\n"
        let cases: [(String, String)] = [
            ("www IN CNAME ns\nwww IN A 192.0.2.2\n", "has a CNAME and other data"),
            ("@ IN CNAME ns.example.net.\n", "cannot be a CNAME"),
            ("@ IN DS 12345 13 2 " + String(repeating: "ab", count: 32) + "\n", "belongs in the parent zone"),
            ("txt CH TXT \"chaos\"\n", "class 3 in an IN zone"),
            ("big 2147483648 IN A 192.0.2.3\n", "above 2^31-1"),
        ]
        for (extra, message) in cases {
            let zone = try folder.write("bad.zone", head + extra)
            let result = try Danectl.run(["sign", zone, "--key", key, "-o", folder.file("out")])
            XCTAssertEqual(result.status, 65, "\(message): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.file("out")))
        }
        let dname = try folder.write("dname.zone", head + "old IN DNAME example.net.\nleft.old IN A 192.0.2.9\n")
        let signed = folder.file("dname.signed")
        let result = try Danectl.run(["sign", dname, "--key", key, "--key", ksk, "-o", signed])
        XCTAssertEqual(result.status, 0, result.stderr)
        let text = try String(contentsOfFile: signed, encoding: .utf8)
        XCTAssertTrue(text.contains("left.old.example.com."), "occluded data is kept")
        XCTAssertFalse(
            text.split(separator: "\n").contains {
                $0.hasPrefix("left.old.example.com.") && ($0.contains("\tRRSIG\t") || $0.contains("\tNSEC\t"))
            },
            "but neither signed nor chained")
        XCTAssertEqual(try Processes.run("ldns-verify-zone", [signed]).status, 0)
        let bind = try Processes.run("dnssec-verify", ["-o", "example.com", signed])
        XCTAssertEqual(bind.status, 0, bind.stdout + bind.stderr)
    }

    /// Finding 23: a template nested thousands deep is refused before it can overflow the stack.
    func testDeeplyNestedTemplatesAreRefused() throws {
        let folder = try TemporaryFolder()
        let template = try folder.write(
            "deep.mustache", String(repeating: "{{#zones}}", count: 3000) + String(repeating: "{{/zones}}", count: 3000)
        )
        let result = try Danectl.run(["generate", example, "--template", template])
        XCTAssertEqual(result.status, 65, result.stderr)
        XCTAssertTrue(result.stderr.contains("nested more than 64 deep"), result.stderr)
        // Other delimiters hide nothing from the parser's count.
        let hidden = try folder.write(
            "hidden.mustache",
            "{{=<% %>=}}" + String(repeating: "<%#zones%>", count: 100_000)
                + String(repeating: "<%/zones%>", count: 100_000))
        let refused = try Danectl.run(["generate", example, "--template", hidden])
        XCTAssertEqual(refused.status, 65, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("nested more than 64 deep"), refused.stderr)
        // 64 levels still render.
        let deepest = try folder.write(
            "deepest.mustache",
            String(repeating: "{{#zones}}", count: 64) + "x" + String(repeating: "{{/zones}}", count: 64))
        XCTAssertEqual(try Danectl.run(["generate", example, "--template", deepest]).status, 0)
    }

    /// Finding 25 (more of it): a description that is a folder, a FIFO or a device says so at
    /// once (66); one that is not UTF-8 says where (65); a traditional encrypted PEM key is
    /// recognised as encrypted.
    func testInputsThatAreNotDescriptionsSaySo() throws {
        let folder = try TemporaryFolder()
        XCTAssertEqual(mkfifo(folder.file("pipe.yaml"), 0o600), 0)
        for (path, words) in [
            (folder.path, "it is a folder"), (folder.file("pipe.yaml"), "it is a named pipe"),
            ("/dev/zero", "it is a device"),
        ] {
            let started = Date()
            let result = try Danectl.run(["generate", path])
            XCTAssertEqual(result.status, 66, "\(path): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(words), result.stderr)
            XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        }
        let latin1 = folder.file("latin1.yaml")
        try Data("domain: caf".utf8 + [0xE9] + Data(".example\n".utf8)).write(to: URL(fileURLWithPath: latin1))
        let notUTF8 = try Danectl.run(["generate", latin1])
        XCTAssertEqual(notUTF8.status, 65, notUTF8.stderr)
        XCTAssertTrue(notUTF8.stderr.contains("not UTF-8 text (the first bad byte is at offset 11)"), notUTF8.stderr)

        XCTAssertEqual(
            try Processes.shell(
                "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null | openssl ec -aes128 -passout pass:x -out enc.pem 2>/dev/null && grep -q 'Proc-Type: 4,ENCRYPTED' enc.pem",
                directory: folder.path
            ).status, 0)
        let description = try folder.write(
            "d.yaml", "domain: example.com\nmx: [{host: mx.example.com, key: enc.pem}]\n")
        let encrypted = try Danectl.run(["generate", description])
        XCTAssertEqual(encrypted.status, 65, encrypted.stderr)
        XCTAssertTrue(
            encrypted.stderr.contains("is encrypted (Proc-Type: 4,ENCRYPTED)")
                && encrypted.stderr.contains("[key-encrypted-key]"), encrypted.stderr)
    }
}
