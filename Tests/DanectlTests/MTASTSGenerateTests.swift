import Foundation
import XCTest

/// MTA-STS authoring in `generate`: the `_mta-sts` TXT record whose id follows the policy
/// text, the policy file with CRLF ends, coverage of every MX host, and the WebPKI warning
/// for mode enforce.
final class MTASTSGenerateTests: XCTestCase {
    func description(
        _ folder: TemporaryFolder, sts: String, tlsrpt: String = "mailto:tlsrpt@example.net"
    ) throws -> String {
        let certificates = try TestCertificates.shared()
        return try folder.write(
            "domain.yaml",
            """
            domain: example.net
            ttl: 3600
            mx:
              - host: p256.example.net
                priority: 10
                certificate: \(certificates.file("p256-chain.pem"))
              - host: rsa2048.example.net
                priority: 20
                certificate: \(certificates.file("rsa2048-self.pem"))
            tlsrpt:
              rua: \(tlsrpt)
            mta_sts:
            \(sts.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            """)
    }

    func stsID(_ output: String) -> String? {
        guard
            let line = output.split(separator: "\n").first(where: { $0.hasPrefix("_mta-sts.example.net.") }).map(
                String.init),
            let range = line.range(of: #"id=[0-9a-f]+"#, options: .regularExpression)
        else { return nil }
        return String(line[range].dropFirst(3))
    }

    /// Issue 25 (in part): `reports serve --description` serves each described domain's policy
    /// at https://mta-sts.<domain>/.well-known/mta-sts.txt (TLS by the proxy in front): byte for
    /// byte what `generate --output` writes, as text/plain; another host gets 404.
    func testServeAnswersThePolicyGenerateWrites() throws {
        let folder = try TemporaryFolder()
        let file = try description(folder, sts: "mode: enforce\nmax_age: 604800")
        let out = folder.file("out") + "/"
        XCTAssertEqual(try Danectl.run(["generate", file, "-o", out]).status, 0)
        let written = try String(contentsOfFile: out + "mta-sts.example.net/.well-known/mta-sts.txt", encoding: .utf8)
        let server = try ServeProcess(["--db", folder.file("r.sqlite"), "--description", file], in: folder)
        let url = "http://127.0.0.1:\(server.port)/.well-known/mta-sts.txt"
        func get(_ host: String) throws -> ProcessResult {
            try Processes.run(
                "curl", ["-s", "--noproxy", "*", "-H", "Host: \(host)", "-D", folder.file("head-\(host)"), url])
        }
        let served = try get("mta-sts.example.net:443")
        XCTAssertEqual(served.stdout, written, "the served policy is the file generate writes")
        let head = try String(contentsOfFile: folder.file("head-mta-sts.example.net:443"), encoding: .utf8)
        XCTAssertTrue(
            head.hasPrefix("HTTP/1.1 200") && head.lowercased().contains("content-type: text/plain\r\n"), head)
        _ = try get("mta-sts.other.example")
        let other = try String(contentsOfFile: folder.file("head-mta-sts.other.example"), encoding: .utf8)
        XCTAssertTrue(other.hasPrefix("HTTP/1.1 404"), other)
        XCTAssertEqual(server.stop(), 0)
    }

    /// With `--zone`, only the kept zones' domains get their policy file (each domain matched
    /// to its zone once, however many domains and policies a provider has).
    func testZoneKeepsOnlyItsDomainsPolicies() throws {
        let folder = try TemporaryFolder()
        let certificate = Repository.path("Examples/hosting-provider/certs/mx1.pem")
        let file = try folder.write(
            "provider.yaml",
            "hosts: [{host: mx1.mail.provider.example, zone: provider.example, certificate: \(certificate)}]\n"
                + "mta_sts: {mode: testing, max_age: 86400}\n" + "domains:\n"
                + ["a.example", "b.example", "c.a.example"].map {
                    "  - {domain: \($0), mx: [{host: mx1.mail.provider.example, priority: 10}]}\n"
                }.joined())
        let out = folder.file("out") + "/"
        let result = try Danectl.run(["generate", file, "--zone", "a.example", "-o", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        let written = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasPrefix("mta-sts.") }
        XCTAssertEqual(written.sorted(), ["mta-sts.a.example"], result.stderr)
        let all = try Danectl.run(["generate", file, "-o", folder.file("all") + "/"])
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: folder.file("all")).filter { $0.hasPrefix("mta-sts.") }
                .sorted(), ["mta-sts.a.example", "mta-sts.b.example", "mta-sts.c.a.example"])
    }

    func testRecordIDFollowsThePolicyTextAndTheFileIsServedAsIs() throws {
        let folder = try TemporaryFolder()
        let file = try description(folder, sts: "mode: testing\nmax_age: 86400")
        let first = try Danectl.run(["generate", file])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(
            first.stdout.split(separator: "\n").contains {
                $0.hasPrefix("_mta-sts.example.net. ") && $0.contains("3600 IN TXT \"v=STSv1; id=")
            },
            first.stdout)
        let id = try XCTUnwrap(stsID(first.stdout), first.stdout)
        XCTAssertTrue((1...32).contains(id.count))
        XCTAssertTrue(first.stderr.contains(" [mta-sts-policy-not-written]\n"), first.stderr)
        XCTAssertTrue(
            first.stderr.contains("mta-sts.example.net needs an A/AAAA record")
                && first.stderr.contains("a WebPKI certificate for mta-sts.example.net [mta-sts-web-host]\n"),
            "generate says which name and certificate senders fetch the policy from: \(first.stderr)")
        // Same text, same id: across runs, and when only other records change.
        XCTAssertEqual(stsID(try Danectl.run(["generate", file]).stdout), id)
        _ = try description(folder, sts: "mode: testing\nmax_age: 86400", tlsrpt: "mailto:other@example.net")
        XCTAssertEqual(
            stsID(try Danectl.run(["generate", file]).stdout), id, "the TLS-RPT address is not part of the policy")
        // Another policy, another id.
        _ = try description(folder, sts: "mode: testing\nmax_age: 86401")
        XCTAssertNotEqual(stsID(try Danectl.run(["generate", file]).stdout), id)

        let out = folder.file("out") + "/"
        let written = try Danectl.run(["generate", file, "-o", out])
        XCTAssertEqual(written.status, 0, written.stderr)
        let policy = try String(contentsOfFile: out + "mta-sts.example.net/.well-known/mta-sts.txt", encoding: .utf8)
        XCTAssertEqual(
            policy,
            "version: STSv1\r\nmode: testing\r\nmx: p256.example.net\r\nmx: rsa2048.example.net\r\nmax_age: 86401\r\n")
        XCTAssertEqual(
            try String(contentsOfFile: out + "example.net.bind", encoding: .utf8).contains("_mta-sts.example.net."),
            true)

        // Every output format carries the record.
        for format in ["json", "octodns", "nsupdate", "nsd"] {
            let result = try Danectl.run(["generate", file, "--format", format])
            XCTAssertEqual(result.status, 0, "\(format): \(result.stderr)")
            XCTAssertTrue(
                result.stdout.contains("_mta-sts") && result.stdout.contains("v=STSv1"), "\(format): \(result.stdout)")
        }
    }

    func testEveryMXHostMustBeCoveredAndValuesAreChecked() throws {
        let folder = try TemporaryFolder()
        let uncovered = try description(folder, sts: "mode: enforce\nmx: [p256.example.net]")
        let result = try Danectl.run(["generate", uncovered])
        XCTAssertEqual(result.status, 65, result.stderr)
        XCTAssertTrue(
            result.stderr.contains(
                "domain.yaml:14:7: error: MX host rsa2048.example.net. of example.net. matches no mta_sts mx pattern"),
            result.stderr)

        // A wildcard covers exactly one label.
        _ = try description(folder, sts: "mode: testing\nmx: [\"*.example.net\"]")
        let wildcard = try Danectl.run(["generate", uncovered])
        XCTAssertEqual(wildcard.status, 0, wildcard.stderr)
        _ = try description(folder, sts: "mode: testing\nmx: [\"*.net\"]")
        XCTAssertEqual(try Danectl.run(["generate", uncovered]).status, 65, "*.net does not cover p256.example.net")

        for (sts, words) in [
            ("mode: strict", "mode \"strict\" is not enforce, testing or none"),
            ("max_age: 31557601", "max_age (seconds) must be a whole number from 0 to 31557600"),
            ("mx: [\"mx.*.example.net\"]", "is not a host name or \"*.\" followed by one"),
            ("mode: testing\nmaxage: 5", "maxage"),
        ] {
            _ = try description(folder, sts: sts)
            let bad = try Danectl.run(["generate", uncovered])
            XCTAssertEqual(bad.status, 65, sts)
            XCTAssertTrue(bad.stderr.contains("domain.yaml:1") && bad.stderr.contains(words), "\(sts): \(bad.stderr)")
        }
    }

    func testEnforceWarnsAboutCertificatesMTASTSSendersWouldRefuse() throws {
        let folder = try TemporaryFolder()
        let file = try description(folder, sts: "mode: enforce")
        let certificates = try TestCertificates.shared()
        let result = try Danectl.run(["generate", file, "--ca-file", certificates.file("ca.pem")])
        XCTAssertEqual(result.status, 0, result.stderr)
        let warnings = result.stderr.split(separator: "\n").filter { $0.contains("[mta-sts-webpki]") }
        // The self-signed one is named; the CA-issued one for its own name passes.
        XCTAssertEqual(warnings.count, 1, result.stderr)
        XCTAssertTrue(
            warnings.first?.contains("rsa2048.example.net") == true && warnings.first?.contains("self-signed") == true,
            result.stderr)
        // Without the private CA, the CA-issued one is not WebPKI-valid either.
        let system = try Danectl.run(["generate", file])
        XCTAssertEqual(
            system.stderr.split(separator: "\n").filter { $0.contains("[mta-sts-webpki]") }.count, 2, system.stderr)
        // A --ca-file that cannot be read is a missing input, said once, before any work.
        let missing = try Danectl.run(["generate", file, "--ca-file", folder.file("no-such-ca.pem")])
        XCTAssertEqual(missing.status, 66, missing.stderr)
        XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("no-such-ca.pem: error: cannot read the CA file"), missing.stderr)
        XCTAssertEqual(missing.stdout, "")
        let verifyMissing = try Danectl.run(["verify", "example.net", "--ca-file", folder.file("no-such-ca.pem")])
        XCTAssertEqual(verifyMissing.status, 66, verifyMissing.stderr)
        // testing mode: no warning (senders only report).
        _ = try description(folder, sts: "mode: testing")
        XCTAssertFalse(try Danectl.run(["generate", file]).stderr.contains("mta-sts-webpki"))
    }
}
