import Foundation
import XCTest

/// What pipelines rely on: identical bytes for identical inputs, files replaced atomically,
/// and a binary that works when copied alone to another folder.
final class OutputTests: XCTestCase {
    let example = Repository.path("Examples/example.com/domain.yaml")
    let provider = Repository.path("Examples/hosting-provider/provider.yaml")

    func testSameInputsGiveByteIdenticalOutput() throws {
        for format in ["bind", "nsd", "json"] {
            let first = try Danectl.run(["generate", provider, "--format", format])
            XCTAssertEqual(first.status, 0, first.stderr)
            XCTAssertFalse(first.stdout.isEmpty)
            for _ in 0..<3 {
                let again = try Danectl.run(["generate", provider, "--format", format])
                XCTAssertEqual(again.stdout, first.stdout, "\(format) output changed between runs")
            }
        }
    }

    /// The octoDNS files are written by libyaml's emitter through YAMLKit (Debian's libyaml);
    /// Yams wrote them before, with its own copy of libyaml. The examples' files are the same
    /// bytes as those Yams wrote (Tests/Fixtures/octodns/written-by-yams, kept from then).
    func testOctoDNSFilesAreTheBytesYamsWrote() throws {
        let folder = try TemporaryFolder()
        let golden = Repository.path("Tests/Fixtures/octodns/written-by-yams")
        var compared = 0
        for description in [example, provider] {
            let output = folder.file("out-\(compared)") + "/"
            let result = try Danectl.run(["generate", description, "--format", "octodns", "--output", output])
            XCTAssertEqual(result.status, 0, result.stderr)
            for name in try FileManager.default.contentsOfDirectory(atPath: output) where name.hasSuffix(".yaml") {
                XCTAssertEqual(
                    try String(contentsOfFile: output + name, encoding: .utf8),
                    try String(contentsOfFile: golden + "/" + name, encoding: .utf8), name)
                compared += 1
            }
        }
        XCTAssertEqual(compared, try FileManager.default.contentsOfDirectory(atPath: golden).count)
    }

    func testCopiedBinaryRendersItsEmbeddedTemplates() throws {
        let elsewhere = try TemporaryFolder()
        let copy = elsewhere.file("danectl")
        try FileManager.default.copyItem(atPath: Danectl.path, toPath: copy)
        // The copy runs with the build folder out of reach (a private mount namespace with an
        // empty tmpfs over it), so a lookup through Bundle.module's build path would fail.
        let buildFolder = URL(fileURLWithPath: Danectl.path).deletingLastPathComponent().deletingLastPathComponent()
            .path
        let hidden = try Processes.run(
            "unshare",
            [
                "--mount", "--propagation", "private", "sh", "-c",
                "mount -t tmpfs tmpfs '\(buildFolder)' && test ! -e '\(Danectl.path)'",
            ])
        XCTAssertEqual(hidden.status, 0, "the build folder could not be hidden: \(hidden.stderr)")
        for format in ["bind", "nsd"] {
            let built = try Danectl.run(["generate", example, "--format", format])
            let copied = try Processes.run(
                "unshare",
                [
                    "--mount", "--propagation", "private", "sh", "-c",
                    "mount -t tmpfs tmpfs \"$1\" && exec \"$2\" generate \"$3\" --format \"$4\"", "sh",
                    buildFolder, copy, example, format,
                ], directory: elsewhere.path)
            XCTAssertEqual(copied.status, 0, copied.stderr)
            XCTAssertEqual(copied.stdout, built.stdout)
            XCTAssertTrue(
                copied.stdout.contains("IN TLSA 3 1 1 ") || copied.stdout.contains("\tTLSA\t3 1 1 "), copied.stdout)
        }
    }

    func testBindOutputHasOneRecordPerLineUnderItsZoneHeading() throws {
        let result = try Danectl.run(["generate", example])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("; ---- zone example.com. ----"))
        let records = lines.filter { !$0.hasPrefix(";") }
        XCTAssertEqual(records.count, 6, result.stdout)
        XCTAssertEqual(records.filter { $0.contains(" IN TLSA ") }.count, 3)
        XCTAssertTrue(records.contains { $0.hasPrefix("example.com. ") && $0.hasSuffix(" IN MX 10 mx1.example.com.") })
        XCTAssertTrue(
            records.contains {
                $0.hasPrefix("_smtp._tls.example.com.")
                    && $0.hasSuffix(
                        "IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://reports.example.com/tlsrpt\"")
            })
        XCTAssertEqual(result.stderr, "", "the example must generate without warnings")
    }

    func testOutputFileIsWrittenAndThenReplacedWhole() throws {
        let folder = try TemporaryFolder()
        let target = try folder.write(
            "dane.zone",
            "old contents that are longer than anything danectl writes\n" + String(repeating: "x", count: 10_000))
        let result = try Danectl.run(["generate", example, "--output", target])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "")
        let written = try String(contentsOfFile: target, encoding: .utf8)
        XCTAssertEqual(written, try Danectl.run(["generate", example]).stdout)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["dane.zone"])
    }

    func testFolderOutputWritesOneFilePerZone() throws {
        let folder = try TemporaryFolder()
        let result = try Danectl.run(["generate", provider, "--format", "json", "--output", folder.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(),
            [OutputClaimsFile.name, "customer-a.example.json", "customer-b.example.json", "provider.example.json"],
            "one file per zone, and the claims --prune reads")
        let provider = try String(contentsOfFile: folder.file("provider.example.json"), encoding: .utf8)
        XCTAssertTrue(provider.contains("\"owner\" : \"_25._tcp.mx1.mail.provider.example.\""))
        XCTAssertFalse(provider.contains("customer-a"))
    }

    /// A provider's octoDNS output is a file per zone; the set is replaced all or none, but
    /// must not hold a descriptor per file (found at 100,000 zones: "Too many open files").
    func testThousandsOfZoneFilesUnderASmallDescriptorLimit() throws {
        let folder = try TemporaryFolder()
        let certificate = Repository.path("Examples/hosting-provider/certs/mx1.pem")
        let domains = (1...1_500).map {
            "  - {domain: customer\($0).example, mx: [{host: mx.provider.example, priority: 10}]}"
        }
        let description = try folder.write(
            "many.yaml",
            "hosts:\n  - {host: mx.provider.example, certificate: \(certificate)}\ndomains:\n"
                + domains.joined(separator: "\n") + "\n")
        let output = folder.file("zones") + "/"
        let result = try Processes.shell(
            "ulimit -n 256 && exec '\(Danectl.path)' generate '\(description)' --format octodns --output '\(output)'")
        XCTAssertEqual(result.status, 0, result.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: output).filter { $0.hasSuffix(".yaml") }
        XCTAssertEqual(files.count, 1_501, "a file per customer zone and the provider's")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: output).filter { $0.contains("danectl-new") }, [],
            "no temporary left behind")
    }

    func testZoneFilterKeepsOnlyThatZone() throws {
        let result = try Danectl.run(["generate", provider, "--zone", "customer-b.example"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let records = result.stdout.split(separator: "\n").filter { !$0.hasPrefix(";") }
        XCTAssertEqual(records.count, 2)
        XCTAssertTrue(records.allSatisfy { $0.contains("shop.customer-b.example.") })

        let unknown = try Danectl.run(["generate", provider, "--zone", "nowhere.example"])
        XCTAssertEqual(unknown.status, 64, "a --zone the description lacks is a usage error")
        XCTAssertTrue(
            unknown.stderr.contains(
                "no records belong in zone nowhere.example.; zones in this description: customer-a.example., customer-b.example., provider.example."
            ), unknown.stderr)
    }

    func testSharedHostTLSAIsEmittedOnceAndNextKeyIsPublished() throws {
        let result = try Danectl.run(["generate", provider, "--format", "json"])
        let tlsa =
            result.stdout.components(separatedBy: "\"owner\" : \"_25._tcp.mx1.mail.provider.example.\"").count - 1
        XCTAssertEqual(tlsa, 2, "current and next key, once each, though three domains use mx1")
    }

    func testCustomTemplate() throws {
        let folder = try TemporaryFolder()
        let template = try folder.write(
            "csv.mustache",
            "{{% CONTENT_TYPE: TEXT}}\n{{#zones}}{{#records}}{{zone}},{{owner}},{{type}},{{rdata}}\n{{/records}}{{/zones}}"
        )
        // `zone` inside records resolves through the enclosing context, as Mustache does.
        let result = try Danectl.run(["generate", example, "--template", template])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(
            result.stdout.contains("example.com.,_25._tcp.mx1.example.com.,TLSA,3 1 1 54c681d1"), result.stdout)
    }

    /// The built-in templates print each zone's `lines` (bind) or `tabbedLines` (nsd); they must
    /// be exactly what the record-by-record form of the same layout prints (bind's owners padded
    /// to the zone's widest, nsd's fields between tabs).
    func testBuiltInTemplatesPrintTheirRecordByRecordLayout() throws {
        let folder = try TemporaryFolder()
        for (format, field, byRecord, sample) in [
            ("bind", "{{lines}}", "{{ownerColumn}} {{ttl}} {{class}} {{type}} {{rdata}}", " IN TLSA 3 1 1 "),
            ("nsd", "{{tabbedLines}}", "{{owner}}\t{{ttl}}\t{{class}}\t{{type}}\t{{rdata}}", "\tIN\tTLSA\t3 1 1 "),
        ] {
            let builtIn = try String(contentsOfFile: Repository.path("Templates/\(format).mustache"), encoding: .utf8)
            XCTAssertTrue(builtIn.contains(field + "\n"), builtIn)
            let template = try folder.write(
                "\(format)-by-record.mustache",
                builtIn.replacingOccurrences(
                    of: field + "\n", with: "{{#records}}\n" + byRecord + "\n{{/records}}\n"))
            for description in [example, provider] {
                let lines = try Danectl.run(["generate", description, "--format", format])
                let records = try Danectl.run(["generate", description, "--template", template])
                XCTAssertEqual(lines.status, 0, lines.stderr)
                XCTAssertEqual(lines.stdout, records.stdout, format)
                XCTAssertTrue(lines.stdout.contains(sample), lines.stdout)
            }
        }
    }

    func testWarningsAsErrorsWritesNothing() throws {
        let folder = try TemporaryFolder()
        let description = try folder.write(
            "d.yaml", "domain: example.com\nmx: [{host: mx.elsewhere.example, priority: 5}]\n")
        let lenient = try Danectl.run(["generate", description])
        XCTAssertEqual(lenient.status, 0)
        XCTAssertTrue(lenient.stderr.contains("warning: mx.elsewhere.example. has no certificate"), lenient.stderr)
        let strict = try Danectl.run(["generate", description, "--warnings-as-errors"])
        XCTAssertEqual(strict.status, 65)
        XCTAssertEqual(strict.stdout, "")
    }
}

/// Output for tools and pipelines: structured JSON fields, and files that change only when
/// their contents do.
final class PipelineOutputTests: XCTestCase {
    let example = Repository.path("Examples/example.com/domain.yaml")

    func testJSONRecordsCarryTheirFields() throws {
        let result = try Danectl.run(["generate", example, "--format", "json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let records = try XCTUnwrap(document["records"] as? [[String: Any]])
        let tlsa = try XCTUnwrap(
            records.first { $0["type"] as? String == "TLSA" && ($0["rdata"] as? String)?.hasPrefix("3 1 1 ") == true })
        XCTAssertEqual(tlsa["usage"] as? Int, 3)
        XCTAssertEqual(tlsa["selector"] as? Int, 1)
        XCTAssertEqual(tlsa["matching_type"] as? Int, 1)
        XCTAssertEqual(
            "3 1 1 " + (try XCTUnwrap(tlsa["certificate_association_data"] as? String)), tlsa["rdata"] as? String)
        let mx = try XCTUnwrap(records.first { $0["type"] as? String == "MX" })
        XCTAssertEqual(mx["preference"] as? Int, 10)
        XCTAssertEqual(mx["exchange"] as? String, "mx1.example.com.")
        let txt = try XCTUnwrap(records.first { $0["type"] as? String == "TXT" })
        XCTAssertEqual(
            txt["value"] as? String, "v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://reports.example.com/tlsrpt",
            "unquoted and unsplit, ready for an API")
    }

    func testUnchangedFilesAreLeftUntouched() throws {
        let folder = try TemporaryFolder()
        let output = folder.path + "/zones/"
        let first = try Danectl.run([
            "generate", Repository.path("Examples/hosting-provider/provider.yaml"), "-o", output,
        ])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stderr.components(separatedBy: "note: wrote ").count - 1, 3, first.stderr)
        let path = output + "provider.example.bind"
        var before = stat(), after = stat()
        XCTAssertEqual(stat(path, &before), 0)
        sleep(1)
        let second = try Danectl.run([
            "generate", Repository.path("Examples/hosting-provider/provider.yaml"), "-o", output,
        ])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stderr.contains("\(path) is unchanged; left as it was"), second.stderr)
        XCTAssertFalse(second.stderr.contains("note: wrote "), second.stderr)
        XCTAssertEqual(stat(path, &after), 0)
        XCTAssertEqual(before.st_ino, after.st_ino, "same inode")
        XCTAssertEqual(before.st_mtim.tv_sec, after.st_mtim.tv_sec, "same mtime")
        // A file of the same length with one byte changed is not the output: it is written again.
        var edited = Array(try String(contentsOfFile: path, encoding: .utf8).utf8)
        let last = edited.lastIndex(of: UInt8(ascii: "3"))!
        edited[last] = UInt8(ascii: "4")
        try String(decoding: edited, as: UTF8.self).write(toFile: path, atomically: false, encoding: .utf8)
        let third = try Danectl.run([
            "generate", Repository.path("Examples/hosting-provider/provider.yaml"), "-o", output,
        ])
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertTrue(third.stderr.contains("note: wrote \(path)"), third.stderr)
        XCTAssertEqual(
            try String(contentsOfFile: path, encoding: .utf8).utf8.count, edited.count, "same length, restored")
        XCTAssertFalse(try String(contentsOfFile: path, encoding: .utf8) == String(decoding: edited, as: UTF8.self))
    }

    /// --prune removes only what an earlier run wrote from the same description, for zones
    /// that left it; a hand-written file and another description's output stay.
    /// A provider's folder is renamed into place from every core while its claims are staged:
    /// when one file cannot be put in place, no zone file changes and the claims stay as they
    /// were (a claim for a file not written would let a later --prune remove the wrong thing).
    func testAFailedFolderWriteChangesNoZoneFileAndNoClaim() throws {
        let folder = try TemporaryFolder()
        let certificate = Repository.path("Examples/hosting-provider/certs/mx1.pem")
        func describe(priority: Int) throws -> String {
            try folder.write(
                "many.yaml",
                "hosts:\n  - {host: mx.provider.example, certificate: \(certificate)}\ndomains:\n"
                    + (1...5_000).map {
                        "  - {domain: customer\($0).example, mx: [{host: mx.provider.example, priority: \(priority)}]}\n"
                    }.joined())
        }
        let output = folder.file("zones") + "/"
        let first = try Danectl.run(["generate", try describe(priority: 10), "--format", "octodns", "-o", output])
        XCTAssertEqual(first.status, 0, first.stderr)
        let claims = try Data(contentsOf: URL(fileURLWithPath: output + OutputClaimsFile.name))
        let before = try String(contentsOfFile: output + "customer1.example.yaml", encoding: .utf8)
        XCTAssertTrue(before.contains("preference: 10"), before)
        // Where one zone's file goes, a folder that is not empty: its rename fails.
        let blocked = output + "customer4999.example.yaml"
        try FileManager.default.removeItem(atPath: blocked)
        try FileManager.default.createDirectory(atPath: blocked + "/inside", withIntermediateDirectories: true)
        let failed = try Danectl.run(["generate", try describe(priority: 20), "--format", "octodns", "-o", output])
        XCTAssertEqual(failed.status, 73, failed.stderr)
        XCTAssertTrue(failed.stderr.contains("cannot write \(blocked)"), failed.stderr)
        XCTAssertTrue(failed.stderr.contains("no file was changed"), failed.stderr)
        for name in ["customer1.example.yaml", "customer2500.example.yaml", "customer5000.example.yaml"] {
            XCTAssertTrue(
                try String(contentsOfFile: output + name, encoding: .utf8).contains("preference: 10"), "\(name) kept")
        }
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: output + OutputClaimsFile.name)), claims, "claims unchanged")
        let names = try FileManager.default.contentsOfDirectory(atPath: output)
        XCTAssertEqual(names.count, 5_002, "the zone files, the blocked folder and the claims; nothing staged left")
        XCTAssertEqual(names.filter { $0.contains(".danectl-new-") || $0.contains(".danectl-old-") }, [])
    }

    /// The disk fills up while a provider's folder is staged on every core: the run stops
    /// naming the file it could not write (73), the files already there and their claims are
    /// untouched, and no staged file is left behind to keep the disk full.
    func testAFullDiskChangesNothingAndLeavesNothingStaged() throws {
        let folder = try TemporaryFolder()
        let certificate = Repository.path("Examples/hosting-provider/certs/mx1.pem")
        func describe(_ count: Int, priority: Int) throws -> String {
            try folder.write(
                "many\(count).yaml",
                "hosts:\n  - {host: mx.provider.example, zone: provider.example, certificate: \(certificate)}\n"
                    + "domains:\n"
                    + (1...count).map {
                        "  - {domain: customer\($0).example, mx: [{host: mx.provider.example, priority: \(priority)}]}\n"
                    }.joined())
        }
        let disk = folder.file("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        // A small disk of the test's own (a private mount namespace): the first run fits, the
        // second (every file changed) does not.
        let run = try Processes.run(
            "unshare",
            [
                "--mount", "--propagation", "private", "sh", "-c",
                """
                mount -t tmpfs -o size=400k tmpfs "$1" || exit 90
                "$2" generate "$3" --format octodns -o "$1/out/" 2>/dev/null || exit 91
                cd "$1/out" && sha256sum -- * .danectl-outputs.json > "$5/before" || exit 92
                "$2" generate "$4" --format octodns -o "$1/out/"
                echo "status $?"
                sha256sum -- * .danectl-outputs.json > "$5/after" && ls -A > "$5/left"
                """,
                "sh", disk, Danectl.path, try describe(10, priority: 10), try describe(5_000, priority: 20),
                folder.path,
            ])
        XCTAssertTrue(run.stdout.contains("status 73"), run.stdout + run.stderr)
        XCTAssertTrue(run.stderr.contains("No space left on device [output-write]"), run.stderr)
        let before = try String(contentsOfFile: folder.file("before"), encoding: .utf8)
        XCTAssertEqual(before.split(separator: "\n").count, 12, "ten customers, the provider, the claims")
        XCTAssertEqual(try String(contentsOfFile: folder.file("after"), encoding: .utf8), before, "nothing changed")
        XCTAssertEqual(
            try String(contentsOfFile: folder.file("left"), encoding: .utf8).split(separator: "\n").count, 12,
            "no staged file left")
    }

    func testPruneRemovesOnlyOurFilesForZonesThatLeft() throws {
        let folder = try TemporaryFolder()
        let certificates = Repository.path("Examples/hosting-provider/certs")
        func description(_ domains: [String]) throws -> String {
            try folder.write(
                "customers.yaml",
                "hosts: [{host: mx1.mail.provider.example, zone: provider.example, certificate: \(certificates)/mx1.pem}]\n"
                    + "domains:\n"
                    + domains.map { "  - {domain: \($0), mx: [{host: mx1.mail.provider.example, priority: 10}]}\n" }
                    .joined())
        }
        let output = folder.path + "/out/"
        for format in ["bind", "json", "octodns", "nsupdate"] {
            let ext = format == "octodns" ? "yaml" : format
            XCTAssertEqual(
                try Danectl.run([
                    "generate", try description(["a.example", "b.example"]), "--format", format, "-o", output,
                ]).status, 0)
            let other = try Danectl.run([
                "generate", Repository.path("Examples/example.com/domain.yaml"), "--format", format, "-o", output,
            ])
            XCTAssertEqual(other.status, 0, other.stderr)
            let handWritten = try folder.write(
                "out/hand.\(ext)", format == "json" ? "{\"records\": []}\n" : "; SMTP DANE records, by hand\n")
            let pruned = try Danectl.run([
                "generate", try description(["a.example"]), "--format", format, "-o", output, "--prune",
            ])
            XCTAssertEqual(pruned.status, 0, pruned.stderr)
            XCTAssertTrue(pruned.stderr.contains("removed \(output)b.example.\(ext)"), "\(format): \(pruned.stderr)")
            let left = Set(try FileManager.default.contentsOfDirectory(atPath: output))
            XCTAssertFalse(left.contains("b.example.\(ext)"), "\(format): the zone that left is pruned")
            let claims = try String(contentsOfFile: output + OutputClaimsFile.name, encoding: .utf8)
            XCTAssertFalse(claims.contains("/b.example.\(ext)\""), "\(format): and no longer claimed: \(claims)")
            XCTAssertTrue(claims.contains("/a.example.\(ext)\""), "\(format): \(claims)")
            XCTAssertTrue(
                left.isSuperset(of: [
                    "a.example.\(ext)", "provider.example.\(ext)", "example.com.\(ext)", "hand.\(ext)",
                ]),
                "\(format): ours still described, another description's and a hand-written file stay: \(left.sorted())")
            XCTAssertTrue(FileManager.default.fileExists(atPath: handWritten))
            try FileManager.default.removeItem(atPath: output)
        }
        let refused = try Danectl.run(["generate", try description(["a.example"]), "--prune"])
        XCTAssertEqual(refused.status, 64, "--prune without a folder is a usage error")
    }

    /// Hardening C3, m7, M11: claims follow the description's real path, so two customers'
    /// domain.yaml sharing a folder never prune each other, `--zone A --prune` keeps the
    /// description's other zones, a copy edited by hand stays, a stale MTA-STS policy goes, and
    /// a FIFO in the folder neither hangs nor is removed.
    func testPruneClaimsByRealPathAndRemovesOnlyUnchangedFilesItNoLongerMakes() throws {
        let folder = try TemporaryFolder()
        let certificates = Repository.path("Examples/hosting-provider/certs")
        func description(_ directory: String, _ domains: [String], mtaSTS: Bool = false) throws -> String {
            try folder.write(
                "\(directory)/domain.yaml",
                "hosts: [{host: mx1.mail.provider.example, zone: provider.example, certificate: \(certificates)/mx1.pem}]\n"
                    + (mtaSTS ? "mta_sts: {mode: testing}\n" : "")
                    + "domains:\n"
                    + domains.map { "  - {domain: \($0), mx: [{host: mx1.mail.provider.example, priority: 10}]}\n" }
                    .joined())
        }
        let output = folder.path + "/out/"
        let alice = try description("alice", ["alice.example", "alice2.example"], mtaSTS: true)
        let bob = try description("bob", ["bob.example"])
        XCTAssertEqual(try Danectl.run(["generate", alice, "-o", output]).status, 0)
        XCTAssertEqual(try Danectl.run(["generate", bob, "-o", output]).status, 0)
        XCTAssertEqual(mkfifo(output + "fifo.bind", 0o644), 0)
        // Same base name, other customer: nothing of alice's goes.
        let bobPrune = try Danectl.run(["generate", bob, "-o", output, "--prune"])
        XCTAssertEqual(bobPrune.status, 0, bobPrune.stderr)
        XCTAssertFalse(bobPrune.stderr.contains("removed"), bobPrune.stderr)
        // One zone of alice's, pruning: her other zones stay.
        let zoneOnly = try Danectl.run(["generate", alice, "--zone", "alice.example", "-o", output, "--prune"])
        XCTAssertEqual(zoneOnly.status, 0, zoneOnly.stderr)
        XCTAssertFalse(zoneOnly.stderr.contains("removed"), zoneOnly.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output + "alice2.example.bind"))
        // alice2 leaves; its zone file was edited by hand (first line kept), so it stays;
        // its MTA-STS policy file is ours and unchanged, so it goes.
        let edited = output + "alice2.example.bind"
        try (try String(contentsOfFile: edited, encoding: .utf8) + "; added by hand\n").write(
            toFile: edited, atomically: true, encoding: .utf8)
        _ = try description("alice", ["alice.example"], mtaSTS: true)
        let pruned = try Danectl.run(["generate", alice, "-o", output, "--prune"])
        XCTAssertEqual(pruned.status, 0, pruned.stderr)
        XCTAssertTrue(
            pruned.stderr.contains("alice2.example.bind: changed since danectl wrote it: left in place"), pruned.stderr)
        XCTAssertTrue(
            pruned.stderr.contains("removed \(output)mta-sts.alice2.example/.well-known/mta-sts.txt"), pruned.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: edited))
        XCTAssertTrue(FileManager.default.fileExists(atPath: output + "bob.example.bind"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: output + "mta-sts.alice.example/.well-known/mta-sts.txt"))
        XCTAssertEqual(RegularKind.of(output + "fifo.bind"), S_IFIFO, "the FIFO is neither read nor removed")
    }

    /// A file rewritten with new contents is claimed with its new digest, and an unchanged one
    /// keeps its claim: after a TTL change and a rerun, a zone the description drops is still
    /// recognised as danectl's own and pruned.
    func testClaimsFollowRewrittenFiles() throws {
        let folder = try TemporaryFolder()
        let certificates = Repository.path("Examples/hosting-provider/certs")
        func description(ttl: Int, _ domains: [String]) throws -> String {
            try folder.write(
                "provider.yaml",
                "ttl: \(ttl)\nhosts: [{host: mx1.mail.provider.example, zone: provider.example, certificate: "
                    + "\(certificates)/mx1.pem}]\ndomains:\n"
                    + domains.map { "  - {domain: \($0), mx: [{host: mx1.mail.provider.example, priority: 10}]}\n" }
                    .joined())
        }
        let output = folder.path + "/out/"
        let file = try description(ttl: 3600, ["a.example", "b.example"])
        XCTAssertEqual(try Danectl.run(["generate", file, "-o", output]).status, 0)
        let first = try String(contentsOfFile: output + "b.example.bind", encoding: .utf8)
        _ = try description(ttl: 600, ["a.example", "b.example"])
        let rewritten = try Danectl.run(["generate", file, "-o", output])
        XCTAssertEqual(rewritten.status, 0, rewritten.stderr)
        XCTAssertNotEqual(try String(contentsOfFile: output + "b.example.bind", encoding: .utf8), first)
        let unchanged = try Danectl.run(["generate", file, "-o", output])
        XCTAssertTrue(unchanged.stderr.contains("b.example.bind is unchanged"), unchanged.stderr)
        _ = try description(ttl: 600, ["a.example"])
        let pruned = try Danectl.run(["generate", file, "-o", output, "--prune"])
        XCTAssertEqual(pruned.status, 0, pruned.stderr)
        XCTAssertTrue(pruned.stderr.contains("removed \(output)b.example.bind"), pruned.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output + "b.example.bind"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: output + "a.example.bind"))
    }

    /// octoDNS's YamlProvider refuses names out of natural order (mx2 before mx10) and
    /// unescaped semicolons in TXT; nsupdate gets one atomic block per zone.
    func testOctoDNSAndNSUpdateFormats() throws {
        let folder = try TemporaryFolder()
        let certificate = Repository.path("Examples/example.com/certs/mx1.pem")
        let file = try folder.write(
            "d.yaml",
            """
            domain: nat.example
            mx:
              - {host: mx10.nat.example, priority: 10, certificate: \(certificate)}
              - {host: mx2.nat.example, priority: 20, certificate: \(certificate)}
            tlsrpt: {rua: ["mailto:r@nat.example"]}
            """)
        let octo = try Danectl.run(["generate", file, "--format", "octodns"])
        XCTAssertEqual(octo.status, 0, octo.stderr)
        let names = octo.stdout.split(separator: "\n").filter {
            !$0.hasPrefix(" ") && !$0.hasPrefix("-") && !$0.hasPrefix("#")
        }
        XCTAssertEqual(names, ["'':", "_25._tcp.mx2:", "_25._tcp.mx10:", "_smtp._tls:"], octo.stdout)
        XCTAssertTrue(octo.stdout.contains("value: v=TLSRPTv1\\; rua=mailto:r@nat.example"), octo.stdout)
        XCTAssertTrue(octo.stdout.contains("certificate_usage: 3"), octo.stdout)
        let script = try Danectl.run(["generate", file, "--format", "nsupdate"])
        XCTAssertEqual(script.status, 0, script.stderr)
        XCTAssertTrue(
            script.stdout.contains(
                "zone nat.example.\nupdate delete _25._tcp.mx10.nat.example. IN TLSA\nupdate add _25._tcp.mx10.nat.example. 3600 IN TLSA 3 1 1 "
            ), script.stdout)
        XCTAssertEqual(script.stdout.components(separatedBy: "\nsend\n").count - 1, 1, "one atomic update for the zone")
        XCTAssertEqual(
            try Danectl.run(["generate", file, "--format", "octodns", "--sign"]).status, 64, "providers sign themselves"
        )
    }
}

enum RegularKind {
    static func of(_ path: String) -> mode_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : nil
    }
}

enum OutputClaimsFile {
    static let name = ".danectl-outputs.json"
}
