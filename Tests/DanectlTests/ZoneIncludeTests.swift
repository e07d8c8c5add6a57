import Foundation
import XCTest

/// `sign` follows `$INCLUDE` as RFC 1035 §5.1 and BIND do: the included records are the ones
/// `named-compilezone` reads from the same files, errors name the included file and line,
/// cycles and `$GENERATE` are refused with their place.
final class ZoneIncludeTests: XCTestCase {
    /// Records of a zone in one normalised form (owner ttl type rdata, lower-case, one space),
    /// without DNSSEC records and the SOA (whose serial sign moves).
    func records(_ text: String) -> [String] {
        let skipped: Set<String> = ["RRSIG", "NSEC", "NSEC3", "NSEC3PARAM", "DNSKEY", "SOA"]
        return text.split(separator: "\n").compactMap { line -> String? in
            guard !line.hasPrefix(";") else { return nil }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 5, !skipped.contains(String(fields[3])) else { return nil }
            return ([fields[0].lowercased(), String(fields[1]), String(fields[3])] + fields[4...].map(String.init))
                .joined(separator: " ")
        }.sorted()
    }

    func testIncludedRecordsAreTheOnesBINDReads() throws {
        let folder = try TemporaryFolder()
        let (ksk, zsk) = try makeKeys(in: folder)
        let zone = try folder.write(
            "example.com.zone",
            """
            $ORIGIN example.com.
            $TTL 300
            @ IN SOA ns hostmaster 2026010100 3600 600 86400 60
            @ IN NS ns
            ns IN A 192.0.2.1
            www IN A 192.0.2.2
            $INCLUDE "hosts.inc" hosts.example.com.
              IN TXT "a blank owner after the include is still www"
            mail IN A 192.0.2.3
            $INCLUDE nested.inc
            last IN A 192.0.2.4
            """)
        _ = try folder.write(
            "hosts.inc",
            """
            $TTL 60
            a IN A 192.0.2.10
              IN AAAA 2001:db8::10
            $ORIGIN deeper.example.com.
            b IN A 192.0.2.11
            $INCLUDE leaf.inc
            """)
        _ = try folder.write("leaf.inc", "c IN A 192.0.2.12 ; origin is deeper.example.com. here\n")
        _ = try folder.write("nested.inc", "nested IN TXT \"relative to example.com.\"\n")
        let output = folder.file("signed")
        let signed = try Danectl.run(["sign", zone, "--key", ksk, "--key", zsk, "-o", output])
        XCTAssertEqual(signed.status, 0, signed.stderr)
        try assertValid(output, "a zone with nested includes")
        // BIND reads relative paths from its working folder: run it in the zone's folder.
        let bind = try Processes.run(
            "named-compilezone", ["-q", "-s", "full", "-o", "-", "example.com", "example.com.zone"],
            directory: folder.path)
        XCTAssertEqual(bind.status, 0, bind.stderr)
        let ours = records(try String(contentsOfFile: output, encoding: .utf8))
        XCTAssertEqual(ours, records(bind.stdout))
        XCTAssertTrue(ours.contains("c.deeper.example.com. 60 A 192.0.2.12"), "\(ours)")
        XCTAssertTrue(
            ours.contains("www.example.com. 60 TXT \"a blank owner after the include is still www\""), "\(ours)")
        XCTAssertTrue(
            ours.contains("last.example.com. 60 A 192.0.2.4"), "a $TTL inside an include stays in force, as in BIND")
    }

    /// Issue 15's "done when": a zone that $INCLUDEs danectl's own snippet signs and verifies.
    func testAZoneIncludingDanectlsSnippetSignsAndVerifies() throws {
        let folder = try TemporaryFolder()
        let (ksk, zsk) = try makeKeys(in: folder)
        let generated = try Danectl.run([
            "generate", Repository.path("Examples/example.com/domain.yaml"), "-o", folder.path + "/dane/",
        ])
        XCTAssertEqual(generated.status, 0, generated.stderr)
        let zone = try folder.write(
            "example.com.zone",
            """
            $ORIGIN example.com.
            $TTL 3600
            @ IN SOA ns hostmaster 2026010100 3600 600 86400 60
            @ IN NS ns
            ns IN A 192.0.2.1
            mx1 IN A 192.0.2.25
            mx2 IN A 192.0.2.26
            $INCLUDE dane/example.com.bind
            """)
        for extra in [[String](), ["--nsec3"]] {
            let output = folder.file("signed")
            let signed = try Danectl.run(["sign", zone, "--key", ksk, "--key", zsk, "-o", output] + extra)
            XCTAssertEqual(signed.status, 0, signed.stderr)
            try assertValid(output, "with danectl's snippet \(extra)")
            let text = try String(contentsOfFile: output, encoding: .utf8)
            XCTAssertTrue(
                text.contains("_25._tcp.mx1.example.com.\t3600\tIN\tTLSA\t3 1 1 54c681d1"),
                "the snippet's TLSA is in the signed zone")
            XCTAssertTrue(text.contains("RRSIG\tTLSA 13 "))
        }
    }

    func testIncludeMistakesNameTheirPlace() throws {
        let folder = try TemporaryFolder()
        let (ksk, _) = try makeKeys(in: folder)
        func sign(_ main: String, _ files: [String: String]) throws -> ProcessResult {
            for (name, text) in files { _ = try folder.write(name, text) }
            let zone = try folder.write(
                "main.zone",
                "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 60\n@ IN NS ns\n" + main)
            return try Danectl.run(["sign", zone, "--key", ksk, "-o", folder.file("out")])
        }
        let cycle = try sign(
            "$INCLUDE a.inc\n", ["a.inc": "x IN A 192.0.2.1\n$INCLUDE b.inc\n", "b.inc": "$INCLUDE a.inc\n"])
        XCTAssertEqual(cycle.status, 65)
        XCTAssertEqual(
            cycle.stderr,
            "\(folder.file("b.inc")):1: error: $INCLUDE a.inc includes itself (a cycle through 3 files) [zone-parse]\n")
        let missing = try sign("$INCLUDE none.inc\n", [:])
        XCTAssertEqual(missing.status, 66)
        XCTAssertEqual(
            missing.stderr,
            "\(folder.file("main.zone")):5: error: $INCLUDE none.inc: cannot read the zone file: No such file or directory [zone-unreadable]\n"
        )
        let broken = try sign("$INCLUDE broken.inc\n", ["broken.inc": "ok IN A 192.0.2.1\n\nbad IN A not-an-address\n"])
        XCTAssertEqual(broken.status, 65)
        XCTAssertTrue(
            broken.stderr.hasPrefix("\(folder.file("broken.inc")):3: error: the zone file does not parse"),
            broken.stderr)
        let generate = try sign("a IN A 192.0.2.1\n$GENERATE 1-10 host$ A 192.0.2.$\n", [:])
        XCTAssertEqual(generate.status, 65)
        XCTAssertTrue(
            generate.stderr.hasPrefix("\(folder.file("main.zone")):6: error: $GENERATE is not supported"),
            generate.stderr)
        let secret = try sign(
            "$INCLUDE key.inc\n",
            [
                "key.inc":
                    "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+not+a+real+key\n-----END PRIVATE KEY-----\n"
            ])
        XCTAssertEqual(secret.status, 65)
        XCTAssertFalse(secret.stderr.contains("MC4CAQ"), "a file that is not a zone is never quoted: \(secret.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.file("out")), "nothing written")
    }

    /// Relative paths are taken from the including file's folder, at every level.
    func testRelativePathsAreFromTheIncludingFilesFolder() throws {
        let folder = try TemporaryFolder()
        let (ksk, _) = try makeKeys(in: folder)
        try FileManager.default.createDirectory(atPath: folder.file("parts/more"), withIntermediateDirectories: true)
        _ = try folder.write("parts/one.inc", "one IN A 192.0.2.1\n$INCLUDE more/two.inc\n")
        _ = try folder.write("parts/more/two.inc", "two IN A 192.0.2.2\n")
        let zone = try folder.write(
            "main.zone",
            "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 60\n@ IN NS ns\n$INCLUDE parts/one.inc\n"
        )
        let signed = try Processes.run(
            Danectl.path, ["sign", zone, "--key", ksk, "-o", folder.file("out")], directory: "/")
        XCTAssertEqual(signed.status, 0, signed.stderr)
        let text = records(try String(contentsOfFile: folder.file("out"), encoding: .utf8))
        XCTAssertTrue(text.contains("two.example.com. 300 A 192.0.2.2"), "\(text)")
    }
}
