import Foundation
import XCTest

/// `verify` on the lab's MTA-STS scenarios: the policy fetched over real HTTPS from the lab's
/// policy host (mta-sts-https.py, certificates from the lab CA), each failure named by its
/// RFC 8460 result type, enforce failing the run and testing only reporting.
final class MTASTSLabTests: LabTestCase {
    func verify(_ domain: String, _ extra: [String] = []) throws -> (ProcessResult, [String: Any]) {
        let lab = try XCTUnwrap(Self.lab, "the test lab is not running")
        let result = try Danectl.run(
            [
                "verify", "--resolver", lab.resolver, "--format", "json", "--timeout", "5",
                "--ca-file", lab.certificates + "/ca.pem",
            ] + extra + [domain])
        try SchemaCheck.assertValid(result.stdout, "verify", "verify \(domain)")
        let document = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stderr)
        return (result, try XCTUnwrap((document["domains"] as? [[String: Any]])?.first))
    }

    func testEachPolicyProblemIsNamedAsSendersReportIt() throws {
        let cases: [(domain: String, status: Int32, failing: Bool, types: [String], words: String)] = [
            ("sts-good.test", 0, false, [], ""),
            ("sts-webpki.test", 1, true, ["certificate-not-trusted"], "self-signed certificate"),
            ("sts-testing.test", 0, false, ["certificate-not-trusted"], "self-signed certificate"),
            ("sts-nofetch.test", 1, true, ["sts-policy-fetch-error"], "Connection refused"),
            ("sts-badpolicy.test", 1, true, ["sts-policy-invalid"], "mode \"strict\""),
            ("sts-uncovered.test", 1, true, ["sts-policy-invalid"], "matches no mx pattern"),
            ("sts-redirect.test", 1, true, ["sts-policy-fetch-error"], "do not follow redirects"),
            ("sts-badcert.test", 1, true, ["sts-webpki-invalid"], "hostname mismatch"),
            ("sts-wrongtype.test", 1, true, ["sts-policy-invalid"], "text/html"),
            ("sts-badlength.test", 1, true, ["sts-policy-fetch-error"], "which is not a length"),
        ]
        for expected in cases {
            let (result, report) = try verify(expected.domain)
            XCTAssertEqual(result.status, expected.status, "\(expected.domain): \(result.stdout)")
            let sts = try XCTUnwrap(report["mta_sts"] as? [String: Any], "\(expected.domain): no mta_sts")
            XCTAssertEqual(sts["failing"] as? Bool, expected.failing, expected.domain)
            // Issue 23: one verdict over everything: never "pass" while MTA-STS has a problem.
            let outcome = report["outcome"] as? String
            if expected.failing {
                XCTAssertEqual(outcome, "mta-sts-failure", expected.domain)
            } else if !expected.types.isEmpty {
                XCTAssertEqual(outcome, "warning", expected.domain)
            }
            let problems = sts["problems"] as? [[String: Any]] ?? []
            XCTAssertEqual(
                problems.map { $0["result_type"] as? String ?? "" }, expected.types, "\(expected.domain): \(problems)")
            XCTAssertTrue(problems.allSatisfy { ($0["fix"] as? String)?.isEmpty == false }, expected.domain)
            if !expected.words.isEmpty {
                XCTAssertTrue(
                    problems.contains { ($0["detail"] as? String ?? "").contains(expected.words) },
                    "\(expected.domain): \(problems)")
            }
        }
        // The good one: the policy as served, and the MX certificate valid under WebPKI.
        let (_, good) = try verify("sts-good.test")
        let sts = try XCTUnwrap(good["mta_sts"] as? [String: Any])
        XCTAssertEqual(sts["mode"] as? String, "enforce")
        XCTAssertEqual(sts["mx"] as? [String], ["mx.sts-good.test"])
        XCTAssertEqual(
            sts["policy"] as? String, "version: STSv1\r\nmode: enforce\r\nmx: mx.sts-good.test\r\nmax_age: 604800\r\n")
        let address = try XCTUnwrap(
            ((good["hosts"] as? [[String: Any]])?.first?["addresses"] as? [[String: Any]])?.first)
        XCTAssertEqual((address["webpki"] as? [String: Any])?["valid"] as? Bool, true, "\(address)")
        // Without the lab CA, the same MX is not WebPKI-valid: the system store does not know it.
        let untrusted = try Danectl.run([
            "verify", "--resolver", try XCTUnwrap(Self.lab).resolver, "--timeout", "5", "sts-good.test",
        ])
        XCTAssertEqual(untrusted.status, 1, untrusted.stdout)
        XCTAssertTrue(untrusted.stdout.contains("sts-webpki-invalid"), untrusted.stdout)
        // Domains without _mta-sts carry no mta_sts at all.
        let (_, plain) = try verify("valid-311.test")
        XCTAssertNil(plain["mta_sts"])
    }

    func testADescriptionNamesAnIDThatDoesNotFollowThePolicy() throws {
        let lab = try XCTUnwrap(Self.lab)
        let folder = try TemporaryFolder()
        func describe(_ maxAge: Int) throws -> String {
            try folder.write(
                "sts-good.yaml",
                """
                domain: sts-good.test
                ttl: 300
                mx:
                  - host: mx.sts-good.test
                    priority: 10
                    certificate: \(lab.certificates)/stsmx-chain.pem
                mta_sts:
                  mode: enforce
                  max_age: \(maxAge)
                """)
        }
        // The served policy is the described one, but the lab's id (20261129) is not the one
        // danectl derives from it.
        let same = try verify(try describe(604_800))
        let warnings = (same.1["mta_sts"] as? [String: Any])?["warnings"] as? [String] ?? []
        XCTAssertTrue(warnings.contains { $0.contains("the live id 20261129 is not its id") }, "\(warnings)")
        XCTAssertTrue(
            (same.1["drift"] as? [[String: Any]] ?? []).contains {
                ($0["owner"] as? String) == "_mta-sts.sts-good.test."
            }, "\(same.1)")
        // A described policy that differs from the served one, under another id: drift.
        let other = try verify(try describe(86_400))
        let otherWarnings = (other.1["mta_sts"] as? [String: Any])?["warnings"] as? [String] ?? []
        XCTAssertTrue(
            otherWarnings.contains { $0.contains("differ from what the description makes") }, "\(otherWarnings)")
    }
}

extension MTASTSLabTests {
    /// Issue 25: the policy `danectl serve --description` serves, behind nginx with the lab CA
    /// (contrib/nginx/danectl-mta-sts.conf) at mta-sts.sts-served.test (127.54.0.2:443), is the
    /// one senders fetch: verify's MTA-STS check passes, and the served text is generate's.
    func testAPolicyServedByDanectlServeBehindNginxPasses() throws {
        let lab = try XCTUnwrap(Self.lab, "the test lab is not running")
        let folder = try TemporaryFolder()
        let description = lab.folder + "/sts-served.yaml"
        let server = try ServeProcess(
            ["--db", folder.file("r.sqlite"), "--description", description], in: folder, command: ["serve"])
        defer { XCTAssertEqual(server.stop(), 0) }
        let nginx = try NginxSite(
            "danectl-mta-sts.conf",
            [
                ("@LISTEN@", "listen 127.54.0.2:443 ssl;"), ("@SERVER_NAME@", "server_name mta-sts.sts-served.test;"),
                ("@CERTIFICATE@", "ssl_certificate \(lab.certificates)/stsserved-chain.pem;"),
                ("@KEY@", "ssl_certificate_key \(lab.certificates)/stsserved.key;"),
                ("@UPSTREAM@", "proxy_pass http://127.0.0.1:\(server.port);"),
            ], in: folder)
        defer { nginx.stop() }
        let url = "https://mta-sts.sts-served.test/.well-known/mta-sts.txt"
        var fetched = ProcessResult(status: -1, stdout: "", stderr: "")
        for _ in 0..<50 {
            fetched = try Processes.run(
                "curl",
                [
                    "-s", "--noproxy", "*", "--cacert", lab.certificates + "/ca.pem", "--resolve",
                    "mta-sts.sts-served.test:443:127.54.0.2", url,
                ])
            if fetched.status == 0 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTAssertEqual(fetched.status, 0, nginx.errors)
        XCTAssertTrue(fetched.stdout.hasPrefix("version: STSv1\r\nmode: enforce\r\n"), fetched.stdout)
        let (result, report) = try verify("sts-served.test")
        XCTAssertEqual(result.status, 0, "\(result.stdout)\(result.stderr)")
        let sts = try XCTUnwrap(report["mta_sts"] as? [String: Any], result.stdout)
        XCTAssertEqual((sts["problems"] as? [Any])?.count ?? 0, 0, "\(sts)")
        XCTAssertEqual(sts["policy"] as? String, fetched.stdout, "verify read the text serve answered")
        XCTAssertEqual(sts["mode"] as? String, "enforce")
    }
}
