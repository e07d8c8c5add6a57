import Foundation
import XCTest

/// The signing engine against ldns on a zone built to be awkward: large enough to be parsed
/// in several pieces, with $ORIGIN changes, records spread over lines, delegations (secure,
/// insecure, with glue and occluded data), empty non-terminals, a wildcard, escapes and mixed
/// case. Whatever the engine does internally, the records must come out as they went in and
/// the NSEC/NSEC3 chains must be the ones ldns-signzone builds.
final class SigningEngineTests: XCTestCase {
    static func awkwardZone(fillerLines: Int) -> String {
        var text = """
            $ORIGIN example.com.
            $TTL 1h
            @ IN SOA ns1 hostmaster ( 2026010100 ; serial
                    7200 3600 1209600 300 )
              IN NS ns1
              IN NS ns2.other.example.
            ns1 IN A 192.0.2.1
            WWW 300 IN A 192.0.2.2
            www IN AAAA 2001:db8::1
            *.wild IN TXT "wild ; not a comment" "( not a paren"
            sub IN NS ns.sub
            ns.sub IN A 192.0.2.3
            deep.ns.sub IN A 192.0.2.9
            secure IN NS ns.secure.example.com.
            secure IN DS 12345 13 2 \(String(repeating: "ab", count: 32))
            a.b.c.ent IN TXT "empty non-terminals above"
            cut.e2 IN NS ns.cut.e2
            ns.cut.e2 IN A 192.0.2.10
            zz.e2 IN TXT "after glue, under the same empty non-terminal"
            esc\\.dot IN TXT "escaped dot in a label"
            _25._tcp.mx IN TLSA 3 1 1 \(String(repeating: "0f", count: 32))
            mx IN MX 10 MX.Example.COM.
            dup IN A 192.0.2.7
            dup IN A 192.0.2.7

            """
        for i in 0..<fillerLines {
            if i % 700 == 0 { text += "$ORIGIN z\(i / 700).example.com.\n" }
            if i % 700 == 350 { text += "$ORIGIN example.com.\n" }
            switch i % 97 {
            case 0:
                text += "p\(i) IN TXT (\n\"continued at column zero\"\nmore-at-column-zero\n)\n"
            case 1:
                text += "  IN TXT \"a second TXT under the previous owner \(i)\"\n"
            default:
                text += "h\(i) IN TXT \"filler \(i) with some length to it, to make the pieces\"\n"
            }
        }
        return text
    }

    func testRecordsSurviveSigningAndChainsMatchLdnsSignzone() throws {
        let folder = try TemporaryFolder()
        let ksk = try key(in: folder, ksk: true), zsk = try key(in: folder, ksk: false)
        let text = Self.awkwardZone(fillerLines: 12_000)
        XCTAssertGreaterThan(text.utf8.count, 3 * 256 * 1024, "the zone must be large enough to be parsed in pieces")
        let zone = try folder.write("example.com.zone", text)
        // The file has one record twice: the signed zone has it once (an RRset is a set).
        var seen = Set<String>()
        let plain = try normalised(zone, ["-s", "-n"]).filter { seen.insert($0).inserted }
        XCTAssertGreaterThan(plain.count, 12_000)

        for (label, ours, theirs) in [("NSEC", [String](), [String]()), ("NSEC3", ["--nsec3"], ["-n", "-t", "0"])] {
            let signed = folder.file("danectl-\(label)")
            let run = try Danectl.run(["sign", zone, "--key", ksk, "--key", zsk, "-o", signed] + ours)
            XCTAssertEqual(run.status, 0, run.stderr)
            let reference = folder.file("ldns-\(label)")
            let ldns = try Processes.run(
                "ldns-signzone", theirs + ["-o", "example.com.", "-f", reference, zone, ksk, zsk])
            XCTAssertEqual(ldns.status, 0, ldns.stderr)

            // Every record of the file, unchanged (ldns normalises both sides).
            assertSame(
                try normalised(signed, ["-s", "-n", "-e", "DNSKEY", "-e", "NSEC3PARAM"]), plain,
                "\(label): records changed")
            // The same denial chain, record for record (ldns keeps the case of NSEC's next name:
            // RFC 6840 §5.1 leaves it out of canonical form, so compare without case).
            let ourChain = try normalised(signed, ["-E", label]).map { $0.lowercased() }
            assertSame(
                ourChain, try normalised(reference, ["-E", label]).map { $0.lowercased() },
                "\(label): chain differs from ldns-signzone's")
            XCTAssertGreaterThan(ourChain.count, 11_000)
            // Nothing signed under the insecure cut; the duplicate record once.
            let all = try normalised(signed, [])
            XCTAssertFalse(
                all.contains { $0.hasPrefix("ns.sub.example.com.") && $0.contains("RRSIG") }, "\(label): glue signed")
            XCTAssertFalse(
                all.contains { $0.hasPrefix("sub.example.com.") && $0.contains("RRSIG\tNS ") },
                "\(label): delegation NS signed")
            XCTAssertEqual(
                all.filter { $0.hasPrefix("dup.example.com.") && $0.contains("\tA\t") }.count, 1,
                "\(label): duplicate kept")

            let verify = try Processes.run("ldns-verify-zone", [signed])
            XCTAssertEqual(verify.status, 0, "\(label): ldns-verify-zone: \(verify.stdout) \(verify.stderr)")
            let bind = try Processes.run("dnssec-verify", ["-o", "example.com", signed])
            XCTAssertEqual(bind.status, 0, "\(label): dnssec-verify: \(bind.stderr)")
        }
    }

    func testAParseErrorDeepInALargeFileNamesTheLineLdnsNames() throws {
        let folder = try TemporaryFolder()
        let ksk = try key(in: folder, ksk: true)
        var lines = Self.awkwardZone(fillerLines: 12_000).split(separator: "\n", omittingEmptySubsequences: false).map(
            String.init)
        let badLine = lines.count - 50
        lines.insert("bad IN A 999.0.0.1", at: badLine - 1)
        let zone = try folder.write("broken.zone", lines.joined(separator: "\n"))
        let ldns = try Processes.run("ldns-read-zone", [zone])
        XCTAssertTrue(ldns.stderr.contains("at line \(badLine)"), "ldns-read-zone said: \(ldns.stderr)")
        let output = folder.file("out")
        let ours = try Danectl.run(["sign", zone, "--key", ksk, "-o", output])
        XCTAssertEqual(ours.status, 65)
        XCTAssertTrue(ours.stderr.hasPrefix("\(zone):\(badLine): error:"), ours.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
    }

    func testIncludedRecordsReplaceTheirRRsetsAndKeepTheRest() throws {
        let folder = try TemporaryFolder()
        let zsk = try key(in: folder, ksk: false)
        let zone = try folder.write(
            "example.com.zone",
            """
            $ORIGIN example.com.
            $TTL 3600
            @ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
            @ IN NS ns1
            ns1 IN A 192.0.2.1
            _25._tcp.mx1 IN TLSA 3 1 1 \(String(repeating: "aa", count: 32))
            _25._tcp.mx1 IN TLSA 3 1 1 \(String(repeating: "bb", count: 32))
            mx1 IN A 192.0.2.25

            """)
        let snippet = try folder.write(
            "new.zone", "_25._tcp.mx1.example.com. 300 IN TLSA 3 1 1 \(String(repeating: "cc", count: 32))\n")
        let signed = folder.file("signed")
        let run = try Danectl.run(["sign", zone, "--key", zsk, "--include", snippet, "-o", signed])
        XCTAssertEqual(run.status, 0, run.stderr)
        let tlsa = try normalised(signed, ["-E", "TLSA"])
        XCTAssertEqual(tlsa.count, 1, "the old TLSA RRset must be replaced, not added to: \(tlsa)")
        XCTAssertTrue(tlsa.first?.hasSuffix(String(repeating: "cc", count: 32)) ?? false, "\(tlsa)")
        XCTAssertEqual(try normalised(signed, ["-E", "A"]).count, 2, "other RRsets stay")
        let verify = try Processes.run("ldns-verify-zone", [signed])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
    }

    // MARK: - Helpers

    /// Equal lists, or a failure that shows a few differences rather than both lists.
    func assertSame(_ ours: [String], _ theirs: [String], _ label: String, line: UInt = #line) {
        guard ours != theirs else { return }
        let onlyOurs = Set(ours).subtracting(theirs).sorted(), onlyTheirs = Set(theirs).subtracting(ours).sorted()
        XCTFail(
            "\(label): \(ours.count) vs \(theirs.count) lines; only ours (\(onlyOurs.count)): \(onlyOurs.prefix(3)); "
                + "only theirs (\(onlyTheirs.count)): \(onlyTheirs.prefix(3))", line: line)
    }

    func key(in folder: TemporaryFolder, ksk: Bool) throws -> String {
        let made = try Danectl.run(["keygen", "example.com", "--directory", folder.path] + (ksk ? ["--ksk"] : []))
        XCTAssertEqual(made.status, 0, made.stderr)
        return folder.file(made.stdout.trimmingCharacters(in: .newlines))
    }

    /// The zone as ldns-read-zone prints it sorted and canonical, one record per line.
    func normalised(_ path: String, _ options: [String]) throws -> [String] {
        let read = try Processes.run("ldns-read-zone", ["-z"] + options + [path])
        XCTAssertEqual(read.status, 0, read.stderr)
        return read.stdout.split(separator: "\n").map(String.init).filter { !$0.hasPrefix(";") }
    }
}
