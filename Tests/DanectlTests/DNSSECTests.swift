import Foundation
import XCTest

/// Keys, DS records and signed zones must interoperate with ldns and BIND, in both directions,
/// and broken signatures must be caught by those validators.
final class DNSSECTests: XCTestCase {
    static let zoneText = """
        $ORIGIN example.com.
        $TTL 3600
        @ IN SOA ns1 hostmaster 2026010100 7200 3600 1209600 300
        @ IN NS ns1
        @ IN NS ns.other.example.
        ns1 IN A 192.0.2.53
        mx1 IN A 192.0.2.25
        mx2 IN AAAA 2001:db8::25
        sub IN NS ns.sub
        ns.sub IN A 192.0.2.99
        www IN CNAME mx1
        deep.empty.nonterminal IN TXT "x"

        """

    // MARK: - Keys and DS

    func testKeygenWritesBINDFilesAndDSMatchesBothAnchors() throws {
        let folder = try TemporaryFolder()
        for algorithm in ["ecdsap256sha256", "ed25519", "rsasha256"] {
            let made = try Danectl.run([
                "keygen", "example.com", "--ksk", "--algorithm", algorithm, "--directory", folder.path,
            ])
            XCTAssertEqual(made.status, 0, made.stderr)
            let base = made.stdout.trimmingCharacters(in: .newlines)
            XCTAssertTrue(base.hasPrefix("Kexample.com.+0"), base)
            let path = folder.file(base)
            var info = stat()
            XCTAssertEqual(stat(path + ".private", &info), 0)
            XCTAssertEqual(info.st_mode & 0o777, 0o600, "private key must be 0600")

            let ours = try Danectl.run(["ds", path])
            XCTAssertEqual(ours.status, 0, ours.stderr)
            let ldns = try Processes.run("ldns-key2ds", ["-n", "-2", path + ".key"])
            let bind = try Processes.run("dnssec-dsfromkey", ["-2", path + ".key"])
            XCTAssertEqual(
                Self.dsFields(ours.stdout), Self.dsFields(ldns.stdout), "ldns-key2ds disagrees for \(algorithm)")
            XCTAssertEqual(
                Self.dsFields(ours.stdout), Self.dsFields(bind.stdout), "dnssec-dsfromkey disagrees for \(algorithm)")
            XCTAssertEqual(Self.dsFields(ours.stdout).count, 4)
        }
    }

    func testKeygenIntoAMissingFolderWritesNothing() throws {
        let result = try Danectl.run(["keygen", "example.com", "--directory", "/nonexistent-danectl-folder"])
        XCTAssertEqual(result.status, 73)
        XCTAssertTrue(
            result.stderr.hasPrefix("error: cannot write /nonexistent-danectl-folder/Kexample.com.+013+"), result.stderr
        )
        XCTAssertTrue(result.stdout.isEmpty)
    }

    // MARK: - Signing interop

    func testSignedZonesPassLdnsVerifyZoneAndDnssecVerify() throws {
        let folder = try TemporaryFolder()
        let (ksk, zsk) = try makeKeys(in: folder)
        let zone = try folder.write("example.com.zone", Self.zoneText)
        for (name, extra) in [
            ("nsec", [String]()), ("nsec3", ["--nsec3"]), ("nsec3-optout", ["--nsec3", "--opt-out"]),
        ] {
            let output = folder.file("\(name).signed")
            let signed = try Danectl.run(
                [
                    "sign", zone, "--key", ksk, "--key", zsk, "--include",
                    Repository.path("Examples/example.com/domain.yaml"), "-o", output,
                ] + extra)
            XCTAssertEqual(signed.status, 0, signed.stderr)
            try assertValid(output, "danectl \(name)")
            let text = try String(contentsOfFile: output, encoding: .utf8)
            XCTAssertTrue(text.contains("2026010101"), "serial must move forward")
            XCTAssertTrue(text.contains("TLSA\t3 1 1 54c681d1"), "generated TLSA must be merged")
            XCTAssertTrue(text.contains("RRSIG\tTLSA 13 "), "TLSA must be signed")
            if name.hasPrefix("nsec3") {
                XCTAssertTrue(text.contains("NSEC3PARAM\t1 0 0 -"), "RFC 9276: SHA-1, no extra iterations, empty salt")
            }
            // DNSKEY RRset signed by the KSK only; the rest by the ZSK only.
            let kskTag = try keyTag(ksk), zskTag = try keyTag(zsk)
            let signatures = text.split(separator: "\n").filter { $0.contains("\tRRSIG\t") }
            let overKeys = signatures.filter { $0.contains("RRSIG\tDNSKEY") },
                overRest = signatures.filter { !$0.contains("RRSIG\tDNSKEY") }
            XCTAssertFalse(overKeys.isEmpty || overRest.isEmpty, "\(name): no signatures to check")
            XCTAssertTrue(overKeys.allSatisfy { $0.contains(" \(kskTag) example.com.") })
            XCTAssertTrue(overRest.allSatisfy { $0.contains(" \(zskTag) example.com.") })
        }
    }

    func testDanectlKeysSignWithLdnsSignzoneAndDnssecSignzone() throws {
        let folder = try TemporaryFolder()
        let (ksk, zsk) = try makeKeys(in: folder)
        let zone = try folder.write("example.com.zone", Self.zoneText)
        let ldns = try Processes.run(
            "ldns-signzone", ["-o", "example.com.", "-f", folder.file("ldns.signed"), zone, ksk, zsk])
        XCTAssertEqual(ldns.status, 0, ldns.stderr)
        try assertValid(folder.file("ldns.signed"), "ldns-signzone with danectl keys")
        // dnssec-signzone wants the DNSKEYs in the zone itself.
        let withKeys = try folder.write("withkeys.zone", Self.zoneText + "$INCLUDE \(ksk).key\n$INCLUDE \(zsk).key\n")
        let bind = try Processes.run(
            "dnssec-signzone", ["-o", "example.com", "-f", folder.file("bind.signed"), withKeys, ksk, zsk],
            directory: folder.path)
        XCTAssertEqual(bind.status, 0, bind.stderr)
        try assertValid(folder.file("bind.signed"), "dnssec-signzone with danectl keys")
    }

    func testAnchorMadeKeysSignWithDanectl() throws {
        let folder = try TemporaryFolder()
        let zone = try folder.write("example.com.zone", Self.zoneText)
        let ldnsKSK = try Processes.run(
            "ldns-keygen", ["-a", "ECDSAP256SHA256", "-k", "example.com"], directory: folder.path)
        let ldnsZSK = try Processes.run(
            "ldns-keygen", ["-a", "ECDSAP256SHA256", "example.com"], directory: folder.path)
        let bindKSK = try Processes.run(
            "dnssec-keygen", ["-q", "-a", "ED25519", "-f", "KSK", "example.com"], directory: folder.path)
        let bindZSK = try Processes.run(
            "dnssec-keygen", ["-q", "-a", "ED25519", "example.com"], directory: folder.path)
        for made in [ldnsKSK, ldnsZSK, bindKSK, bindZSK] { XCTAssertEqual(made.status, 0, made.stderr) }
        let name = { (r: ProcessResult) in folder.file(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) }
        for (label, keys) in [("ldns-keygen", [ldnsKSK, ldnsZSK]), ("dnssec-keygen", [bindKSK, bindZSK])] {
            let output = folder.file("\(label).signed")
            let signed = try Danectl.run(["sign", zone, "-o", output] + keys.flatMap { ["--key", name($0)] })
            XCTAssertEqual(signed.status, 0, "\(label): \(signed.stderr)")
            try assertValid(output, "danectl with \(label) keys")
        }
    }

    func testResigningReplacesOldSignatures() throws {
        let folder = try TemporaryFolder()
        let (ksk, zsk) = try makeKeys(in: folder)
        let zone = try folder.write("example.com.zone", Self.zoneText)
        let first = folder.file("first.signed"), second = folder.file("second.signed")
        XCTAssertEqual(try Danectl.run(["sign", zone, "--key", ksk, "--key", zsk, "-o", first]).status, 0)
        let again = try Danectl.run(["sign", first, "--key", ksk, "--key", zsk, "-o", second])
        XCTAssertEqual(again.status, 0, again.stderr)
        try assertValid(second, "re-signed")
        let count = { (path: String) in
            try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\tRRSIG\t").count
        }
        XCTAssertEqual(try count(first), try count(second), "signatures piled up on re-signing")
        XCTAssertTrue(try String(contentsOfFile: second, encoding: .utf8).contains("2026010102"))
    }

    func testSignedFragmentsVerifyAgainstTheKey() throws {
        let folder = try TemporaryFolder()
        let (ksk, zsk) = try makeKeys(in: folder)
        let fragment = try Danectl.run([
            "generate", Repository.path("Examples/example.com/domain.yaml"), "--sign", "--key", zsk,
        ])
        XCTAssertEqual(fragment.status, 0, fragment.stderr)
        XCTAssertEqual(
            fragment.stdout.components(separatedBy: " IN RRSIG ").count - 1, 4, "MX, TXT and two TLSA RRsets")
        // A zone made of the fragment plus the apex records verifies with the same key.
        let records = fragment.stdout.split(separator: "\n").filter { !$0.hasPrefix(";") && !$0.isEmpty }.joined(
            separator: "\n")
        let apex = try Danectl.run([
            "sign", try folder.write("apex.zone", Self.zoneText), "--key", ksk, "--key", zsk, "-o", "-",
        ])
        let zone =
            apex.stdout.split(separator: "\n").filter { !$0.contains("_25._tcp") && !$0.contains("_smtp._tls") }
            .joined(separator: "\n") + "\n" + records + "\n"
        let check = try Processes.run("ldns-verify-zone", ["-V", "3", try folder.write("fragment-check.zone", zone)])
        // The apex NSEC chain does not cover the fragment's names, but every signature verifies...
        XCTAssertFalse((check.stdout + check.stderr).contains("Bogus"), check.stdout + check.stderr)
        XCTAssertTrue(
            (check.stdout + check.stderr).contains("there is no NSEC(3) for _25._tcp.mx1.example.com."),
            "fragment not checked")
        // ...and a changed TLSA record no longer does.
        let tampered = try Processes.run(
            "ldns-verify-zone",
            [
                "-V", "3",
                try folder.write(
                    "tampered.zone",
                    zone.replacingOccurrences(of: "3 1 1 54c681d1", with: "3 1 1 54c681d2")),
            ])
        XCTAssertTrue(
            (tampered.stdout + tampered.stderr).contains("Bogus DNSSEC signature for _25._tcp.mx1.example.com."),
            tampered.stderr)
        let noKey = try Danectl.run([
            "generate", Repository.path("Examples/hosting-provider/provider.yaml"), "--sign", "--key", zsk,
        ])
        XCTAssertEqual(noKey.status, 65)
        XCTAssertTrue(noKey.stderr.contains("no key for zone customer-a.example."), noKey.stderr)
    }

    // MARK: - Broken signatures are caught

    func testExpiredSignaturesAreRejectedByTheValidators() throws {
        let folder = try TemporaryFolder()
        let (ksk, zsk) = try makeKeys(in: folder)
        let zone = try folder.write("example.com.zone", Self.zoneText)
        let output = folder.file("expired.signed")
        let signed = try Danectl.run([
            "sign", zone, "--key", ksk, "--key", zsk, "--now", "2020-01-01T00:00:00Z", "-o", output,
        ])
        XCTAssertEqual(signed.status, 0, signed.stderr)
        XCTAssertNotEqual(
            try Processes.run("ldns-verify-zone", [output]).status, 0, "ldns-verify-zone accepted expired signatures")
        XCTAssertNotEqual(
            try Processes.run("dnssec-verify", ["-o", "example.com", output]).status, 0,
            "dnssec-verify accepted expired signatures")
    }

    func testSignaturesFromAnUnpublishedKeyAreRejected() throws {
        let folder = try TemporaryFolder()
        let (ksk, zsk) = try makeKeys(in: folder)
        let other = try Danectl.run(["keygen", "example.com", "--directory", folder.path]).stdout.trimmingCharacters(
            in: .newlines)
        let zone = try folder.write("example.com.zone", Self.zoneText)
        let output = folder.file("signed")
        XCTAssertEqual(try Danectl.run(["sign", zone, "--key", ksk, "--key", zsk, "-o", output]).status, 0)
        // Swap the published ZSK for another key: every zone signature now points at no key.
        let otherKey = try String(contentsOfFile: folder.file(other + ".key"), encoding: .utf8).split(separator: "\n")
            .last { !$0.hasPrefix(";") }!
        let zskKey = try String(contentsOfFile: zsk + ".key", encoding: .utf8).split(separator: "\n").last {
            !$0.hasPrefix(";")
        }!
        let fields = zskKey.split(whereSeparator: { $0 == " " || $0 == "\t" })
        let zskData = String(fields[fields.firstIndex(of: "DNSKEY")! + 4])  // flags, protocol, algorithm, then the key
        let original = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init)
        let lines = original.map { $0.contains("DNSKEY\t256") && $0.contains(zskData) ? String(otherKey) : $0 }
        XCTAssertNotEqual(lines, original, "the published ZSK was not found to swap")
        let tampered = try folder.write("tampered", lines.joined(separator: "\n") + "\n")
        XCTAssertNotEqual(try Processes.run("ldns-verify-zone", [tampered]).status, 0)
        XCTAssertNotEqual(try Processes.run("dnssec-verify", ["-o", "example.com", tampered]).status, 0)
    }

    func testDSThatMatchesNoKeyIsRejectedByTheValidator() throws {
        let folder = try TemporaryFolder()
        let (ksk, zsk) = try makeKeys(in: folder)
        let stranger = try Danectl.run(["keygen", "example.com", "--ksk", "--directory", folder.path]).stdout
            .trimmingCharacters(in: .newlines)
        let zone = try folder.write("example.com.zone", Self.zoneText)
        let output = folder.file("signed")
        XCTAssertEqual(try Danectl.run(["sign", zone, "--key", ksk, "--key", zsk, "-o", output]).status, 0)
        let goodDS = try folder.write("good.ds", try Danectl.run(["ds", ksk]).stdout)
        let wrongDS = try folder.write("wrong.ds", try Danectl.run(["ds", folder.file(stranger)]).stdout)
        XCTAssertEqual(
            try Processes.run("ldns-verify-zone", ["-k", goodDS, output]).status, 0, "the right DS must validate")
        XCTAssertNotEqual(
            try Processes.run("ldns-verify-zone", ["-k", wrongDS, output]).status, 0, "a DS matching no key must not")
    }

    // MARK: - Bad input

    func testBadKeysAndZonesFailCleanly() throws {
        let folder = try TemporaryFolder()
        let (ksk, zsk) = try makeKeys(in: folder)
        let zone = try folder.write("example.com.zone", Self.zoneText)
        let otherZoneKey = try Danectl.run(["keygen", "example.org", "--directory", folder.path]).stdout
            .trimmingCharacters(in: .newlines)
        let corrupt = folder.file("Kcorrupt.+013+00001")
        try "example.com. IN DNSKEY 256 3 13 AAAA\n".write(toFile: corrupt + ".key", atomically: true, encoding: .utf8)
        try "Private-key-format: v1.2\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: !!!notbase64\n".write(
            toFile: corrupt + ".private", atomically: true, encoding: .utf8)
        let mismatch = folder.file("Kmismatch.+008+00002")
        try String(contentsOfFile: zsk + ".key", encoding: .utf8).replacingOccurrences(of: " 3 13 ", with: " 3 8 ")
            .write(toFile: mismatch + ".key", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: zsk + ".private", toPath: mismatch + ".private")
        let noSOA = try folder.write("nosoa.zone", "$ORIGIN example.com.\nwww 3600 IN A 192.0.2.1\n")
        let broken = try folder.write(
            "broken.zone", "$ORIGIN example.com.\n$TTL 3600\n@ IN SOA ns1 h 1 2 3 4 5\nwww IN A 999.1.1.1\n")

        let cases: [(String, [String], String, Int32)] = [
            ("corrupt key", ["sign", zone, "--key", corrupt], "is not a readable private key", 65),
            ("algorithm mismatch", ["sign", zone, "--key", mismatch], "says algorithm 8 but", 65),
            (
                "key for another zone", ["sign", zone, "--key", ksk, "--key", folder.file(otherZoneKey)],
                "different zones", 65
            ),
            (
                "only another zone's key", ["sign", zone, "--key", folder.file(otherZoneKey)],
                "is for zone example.org., not example.com.", 65
            ),
            ("missing key", ["sign", zone, "--key", folder.file("Knothere.+013+00003")], "no such file", 66),
            ("zone without SOA", ["sign", noSOA, "--key", ksk], "no SOA", 65),
            (
                "missing zone file", ["sign", folder.file("absent.zone"), "--key", ksk],
                "absent.zone: error: cannot read the zone file: No such file", 66
            ),
            ("unparsable zone", ["sign", broken, "--key", ksk], "\(broken):4:", 65),
        ]
        for (label, arguments, message, status) in cases {
            let output = folder.file("out-\(label.replacingOccurrences(of: " ", with: "-"))")
            let result = try Danectl.run(arguments + ["-o", output])
            XCTAssertEqual(result.status, status, "\(label): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(message), "\(label): want \"\(message)\" in \(result.stderr)")
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "\(label): one line, got \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: output), "\(label): wrote output")
        }
    }

    /// Keys as BIND's dnssec-keygen writes them, for every algorithm danectl signs with: the
    /// .private text is read into OpenSSL by OpenSSLKit, and the signed zone verifies.
    func testKeysFromDnssecKeygenSignForEveryAlgorithm() throws {
        for (algorithm, extra) in [
            ("RSASHA256", ["-b", "2048"]), ("RSASHA512", ["-b", "2048"]), ("ECDSAP256SHA256", []),
            ("ECDSAP384SHA384", []), ("ED25519", []), ("ED448", []),
        ] {
            let folder = try TemporaryFolder()
            var keys: [String] = []
            for role in [["-f", "KSK"], []] {
                let made = try Processes.run(
                    "dnssec-keygen", ["-q", "-K", folder.path, "-a", algorithm] + role + extra + ["example.com"])
                XCTAssertEqual(made.status, 0, "\(algorithm): \(made.stderr)")
                keys += ["--key", folder.file(made.stdout.trimmingCharacters(in: .whitespacesAndNewlines))]
            }
            let zone = try folder.write("example.com.zone", Self.zoneText)
            let signed = folder.file("signed.zone")
            let result = try Danectl.run(["sign", zone, "-o", signed] + keys)
            XCTAssertEqual(result.status, 0, "\(algorithm): \(result.stderr)")
            try assertValid(signed, algorithm)
        }
    }

    // MARK: - Helpers

    func keyTag(_ base: String) throws -> String {
        String(base.split(separator: "+").last!).replacingOccurrences(of: "^0+", with: "", options: .regularExpression)
    }

    /// key tag, algorithm, digest type, digest (lower case) of a DS line, whoever printed it.
    static func dsFields(_ text: String) -> [String] {
        guard let line = text.split(separator: "\n").first(where: { $0.contains("DS") }) else { return [] }
        let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let ds = tokens.firstIndex(of: "DS") else { return [] }
        return tokens[(ds + 1)...].map { $0.lowercased() }
    }
}
