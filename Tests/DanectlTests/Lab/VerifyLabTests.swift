import Foundation
import ReportStore
import XCTest

/// `danectl verify` against the lab's scenarios: each must get the verdict, sender code and
/// exit status a DANE-enforcing sender would give it.
final class VerifyLabTests: LabTestCase {

    struct Expectation {
        let domain: String
        let status: Int32
        let outcome: String
        /// Codes expected somewhere in the report (domain, host or address level).
        let codes: [String]
        var profile = "rfc7672"
    }

    func testEveryScenarioGetsTheSendersVerdict() throws {
        let cases: [Expectation] = [
            .init(domain: "valid-311.test", status: 0, outcome: "pass", codes: []),
            // Its TLS-RPT record is malformed: DANE passes, and that needs attention (issue 23).
            .init(domain: "valid-312.test", status: 0, outcome: "warning", codes: []),
            .init(domain: "valid-211.test", status: 0, outcome: "pass", codes: []),
            .init(domain: "rollover.test", status: 0, outcome: "pass", codes: []),
            .init(domain: "cname-mx.test", status: 0, outcome: "pass", codes: []),
            .init(domain: "implicit-mx.test", status: 0, outcome: "pass", codes: []),
            // RFC 7672 senders ignore DANE-EE dates: DANE passes, and the expiry is a warning (never "pass").
            .init(domain: "expired.test", status: 0, outcome: "warning", codes: []),
            .init(
                domain: "expired.test", status: 1, outcome: "dane-failure", codes: ["5.7.322"],
                profile: "exchange-online"),
            .init(domain: "ta-badname.test", status: 1, outcome: "dane-failure", codes: ["5.7.323"]),
            .init(domain: "mismatch.test", status: 1, outcome: "dane-failure", codes: ["5.7.323"]),
            .init(domain: "two-mx.test", status: 1, outcome: "dane-failure", codes: ["5.7.323"]),
            .init(domain: "nostarttls.test", status: 1, outcome: "dane-failure", codes: ["5.7.321"]),
            .init(domain: "bogus.test", status: 2, outcome: "dns-problem", codes: ["5.7.324"]),
            .init(domain: "bad-ds.test", status: 2, outcome: "dns-problem", codes: ["5.7.324"]),
            .init(domain: "unsigned.test", status: 3, outcome: "not-protected", codes: []),
            .init(domain: "pkix-only.test", status: 3, outcome: "not-protected", codes: []),
            .init(domain: "no-tlsa.test", status: 3, outcome: "not-protected", codes: []),
            .init(domain: "short-digest.test", status: 3, outcome: "not-protected", codes: []),
        ]
        for expected in cases {
            let (result, report) = try verify(expected.domain, "--profile", expected.profile)
            try SchemaCheck.assertValid(result.stdout, "verify", "verify \(expected.domain)")
            XCTAssertEqual(
                result.status, expected.status,
                "\(expected.domain) [\(expected.profile)]: exit status\n\(result.stdout)")
            XCTAssertEqual(report["outcome"] as? String, expected.outcome, "\(expected.domain) [\(expected.profile)]")
            XCTAssertEqual(
                Set(codes(in: report)), Set(expected.codes), "\(expected.domain) [\(expected.profile)]: codes")
        }
    }

    func testDetailsASenderNeeds() throws {
        // DANE-EE passes by the record that matched, with the chain described.
        let (_, valid) = try verify("valid-311.test")
        let address = try XCTUnwrap(addresses(in: valid).first)
        XCTAssertEqual(address["verdict"] as? String, "pass")
        XCTAssertTrue((address["matched"] as? String)?.hasPrefix("3 1 1 ") == true)
        XCTAssertEqual((address["certificates"] as? [[String: Any]])?.first?["subject"] as? String, "CN=mx.lab")
        XCTAssertEqual(
            valid["mx_status"] as? String, "secure", "signed by danectl, served by NSD, validated by unbound")

        // The CNAME'd MX host is checked at the expanded name (RFC 7672 §2.2.2).
        let (_, cname) = try verify("cname-mx.test")
        XCTAssertEqual((cname["hosts"] as? [[String: Any]])?.first?["tlsa_base"] as? String, "real.cname-mx.test.")

        // A mismatch names the record that would fix it: the presented key's 3 1 1.
        let (_, mismatch) = try verify("mismatch.test")
        let failed = try XCTUnwrap(addresses(in: mismatch).first)
        XCTAssertTrue((failed["remedy"] as? String)?.contains("_25._tcp.mx.mismatch.test. IN TLSA 3 1 1 ") == true)
        XCTAssertEqual((failed["failure"] as? [String: Any])?["result_type"] as? String, "tlsa-invalid")

        // Usage 0/1 only: TLS is mandatory but unauthenticated, and the report says so.
        let (_, pkix) = try verify("pkix-only.test")
        XCTAssertTrue(
            (addresses(in: pkix).first?["detail"] as? String)?.contains("none of the TLSA records is usable") == true)

        // Signatures about to lapse anywhere on the validation path are warned about.
        XCTAssertEqual((valid["warnings"] as? [String])?.count, 0, "40-day signatures are not due within 7 days")
        let (_, soon) = try verify("valid-311.test", "--warn-days", "60")
        let warnings = (soon["warnings"] as? [String]) ?? []
        // One warning per zone that must re-sign (issue 23), for every zone on the path.
        for zone in ["zone valid-311.test.", "zone test.", "the root zone"] {
            XCTAssertEqual(
                warnings.filter { $0.hasSuffix("re-sign \(zone) before then") }.count, 1,
                "one warning for \(zone): \(warnings)")
        }
        XCTAssertTrue(
            warnings.contains { $0.contains("signatures of zone valid-311.test. expire within 60 days") }, "\(warnings)"
        )

        // A malformed live TLS-RPT record is named with the exact problem (valid-311's is fine).
        let (_, badReport) = try verify("valid-312.test")
        let reportWarnings = (badReport["warnings"] as? [String]) ?? []
        XCTAssertTrue(
            reportWarnings.contains {
                $0.hasPrefix(
                    "the TLS-RPT record at _smtp._tls.valid-312.test. is malformed: \"gopher://reports.valid-312.test\" is not a mailto: or https: URI"
                )
            },
            "\(reportWarnings)")
        XCTAssertFalse(((valid["warnings"] as? [String]) ?? []).contains { $0.contains("TLS-RPT") })

        // Under rfc7672 an expired DANE-EE certificate passes, with the Exchange Online difference spelled out.
        let (text, _) = try verify("expired.test", format: "text")
        XCTAssertTrue(text.stdout.contains("Exchange Online bounces with 5.7.322"), text.stdout)
    }

    func testHostileServersEndInAVerdictWithinTheTimeout() throws {
        let cases = [
            ("silent.test", "timed out waiting for the banner"), ("drip.test", "timed out waiting for the banner"),
            ("huge.test", "longer than 4096 bytes"), ("garbage.test", "where an SMTP reply code belongs"),
            ("dropper.test", "handshake"), ("chatty.test", "more than 200 reply lines (waiting for the EHLO reply)"),
            ("slowtls.test", "timed out during the TLS handshake"),
        ]
        // A TLS failure is told in TLS terms, never with errno text ("the TLS handshake failed (Success)").
        let (_, dropped) = try verify("dropper.test", "--timeout", "3")
        let dropDetail = addresses(in: dropped).first?["detail"] as? String ?? ""
        XCTAssertFalse(dropDetail.contains("(Success)"), dropDetail)
        XCTAssertTrue(dropDetail.contains("TLS handshake"), dropDetail)
        for (domain, words) in cases {
            let started = Date()
            let (result, report) = try verify(domain, "--timeout", "3")
            let elapsed = Date().timeIntervalSince(started)
            XCTAssertLessThan(elapsed, 6, "\(domain) must end within its 3 s timeout (plus start-up)")
            XCTAssertEqual(result.status, 1, "\(domain)")
            let detail = addresses(in: report).first?["detail"] as? String ?? ""
            XCTAssertTrue(detail.contains(words), "\(domain): \(detail)")
        }
    }

    func testResolverProblems() throws {
        let started = Date()
        let dead = try Danectl.run(["verify", "--resolver", "127.53.0.9", "--timeout", "1", "valid-311.test"])
        XCTAssertEqual(dead.status, 69, dead.stderr)
        XCTAssertTrue(dead.stderr.hasSuffix(" [resolver-unreachable]\n"), dead.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)

        let (lame, report) = try verify("lame.test", "--timeout", "1")
        XCTAssertEqual(lame.status, 2)
        XCTAssertEqual(codes(in: report), ["4/5.4.312"])
        // One timeout must not poison the resolver for the rest of the run (ldns marks a server
        // that timed out as dead): domains checked after a lame one, one at a time, still pass.
        let batch = try Danectl.run([
            "verify", "--resolver", lab().resolver, "--format", "json", "--timeout", "2", "--jobs", "1",
            "lame.test", "valid-311.test", "valid-312.test",
        ])
        let outcomes =
            ((try JSONSerialization.jsonObject(with: Data(batch.stdout.utf8)) as? [String: Any])?["domains"]
            as? [[String: Any]] ?? [])
            .map { "\($0["domain"] ?? "") \($0["outcome"] ?? "")" }
        XCTAssertEqual(
            outcomes, ["lame.test. dns-problem", "valid-311.test. pass", "valid-312.test. warning"], batch.stdout)
        // Asked directly, the delegation's one server (from the parent's referral and glue) is named.
        let servers = report["name_servers"] as? [String] ?? []
        XCTAssertTrue(
            servers.contains {
                $0.contains("ns.lame.test. (127.53.0.9) of lame.test. does not answer")
                    && $0.contains("lame delegation")
            },
            "\(report)")
    }

    func testTLSRPTReportFollowsRFC8460() throws {
        let result = try Danectl.run([
            "verify", "--resolver", lab().resolver, "--format", "tlsrpt", "two-mx.test", "nostarttls.test",
        ])
        XCTAssertEqual(result.status, 1)
        try SchemaCheck.assertValid(result.stdout, "tlsrpt-report", "verify --format tlsrpt")
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertNotNil(report["report-id"])
        XCTAssertNotNil((report["date-range"] as? [String: Any])?["start-datetime"])
        let policies = try XCTUnwrap(report["policies"] as? [[String: Any]])
        XCTAssertEqual(policies.count, 2)
        let twoMX = policies[0]
        XCTAssertEqual((twoMX["policy"] as? [String: Any])?["policy-type"] as? String, "tlsa")
        XCTAssertEqual((twoMX["summary"] as? [String: Any])?["total-successful-session-count"] as? Int, 1)
        XCTAssertEqual((twoMX["summary"] as? [String: Any])?["total-failure-session-count"] as? Int, 1)
        XCTAssertEqual(
            ((twoMX["failure-details"] as? [[String: Any]])?.first)?["result-type"] as? String, "tlsa-invalid")
        XCTAssertEqual(
            ((policies[1]["failure-details"] as? [[String: Any]])?.first)?["result-type"] as? String,
            "starttls-not-supported")
    }

    func testDescriptionDriftIsReported() throws {
        let lab = try lab()
        let folder = try TemporaryFolder()
        let matching = try folder.write(
            "match.yaml",
            """
            domain: valid-311.test
            mx: [{host: mx.valid-311.test, certificate: \(lab.certificates)/ee.pem}]
            tlsrpt: {rua: ["mailto:tlsrpt@valid-311.test"]}
            """)
        let clean = try Danectl.run([
            "verify", "--resolver", lab.resolver, "--format", "json", "--expect-no-changes", matching,
        ])
        XCTAssertEqual(clean.status, 0, clean.stdout)
        let cleanDocument = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(clean.stdout.utf8)) as? [String: Any])
        let cleanDomains = try XCTUnwrap(cleanDocument["domains"] as? [[String: Any]])
        XCTAssertEqual(
            (cleanDomains.first?["drift"] as? [Any])?.count, 0, "a description was compared: drift is present and empty"
        )

        let drifting = try folder.write(
            "drift.yaml",
            """
            domain: valid-311.test
            mx: [{host: mx.valid-311.test, priority: 20, certificate: \(lab.certificates)/ee.pem, next: \(lab.certificates)/next.pem}]
            tlsrpt: {rua: ["mailto:other@valid-311.test"]}
            """)
        let drift = try Danectl.run(["verify", "--resolver", lab.resolver, drifting])
        XCTAssertEqual(
            drift.status, 0, "DANE passes and drift alone does not fail without --expect-no-changes\n\(drift.stdout)")
        XCTAssertTrue(
            drift.stdout.contains("drift: valid-311.test. MX 20 mx.valid-311.test. is in the description but not live"),
            drift.stdout)
        XCTAssertTrue(
            drift.stdout.contains("drift: valid-311.test. MX 10 mx.valid-311.test. is live but not in the description"),
            drift.stdout)
        let gate = try Danectl.run([
            "verify", "--resolver", lab.resolver, "--format", "json", "--expect-no-changes", drifting,
        ])
        XCTAssertEqual(gate.status, 1, "--expect-no-changes: drift fails the run\n\(gate.stdout)")
        try SchemaCheck.assertValid(gate.stdout, "verify", "verify with drift")
        let gateDomains = try XCTUnwrap(
            (JSONSerialization.jsonObject(with: Data(gate.stdout.utf8)) as? [String: Any])?["domains"]
                as? [[String: Any]])
        let findings = try XCTUnwrap(gateDomains.first?["drift"] as? [[String: String]])
        XCTAssertEqual(
            Set(findings.map { "\($0["type"]!) \($0["state"]!)" }),
            ["TLSA missing", "MX missing", "MX extra", "TXT missing", "TXT extra"])
    }

    func testTrustAnchorModeValidatesWithoutTrustingAnyone() throws {
        let lab = try lab()
        let anchor = lab.folder + "/zones/trust-anchor.ds"
        // 127.53.0.1 is NSD itself: it validates nothing and never sets AD.
        let cases: [(String, Int32, String)] = [
            ("valid-311.test", 0, "pass"), ("cname-mx.test", 0, "pass"), ("valid-211.test", 0, "pass"),
            ("mismatch.test", 1, "dane-failure"), ("bogus.test", 2, "dns-problem"), ("bad-ds.test", 2, "dns-problem"),
            ("unsigned.test", 3, "not-protected"), ("no-tlsa.test", 3, "not-protected"),
        ]
        for (domain, status, outcome) in cases {
            let result = try Danectl.run([
                "verify", "--resolver", "127.53.0.1", "--trust-anchor", anchor, "--format", "json", "--timeout", "5",
                domain,
            ])
            XCTAssertEqual(result.status, status, "\(domain) with --trust-anchor: \(result.stdout)\(result.stderr)")
            let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            XCTAssertEqual((document["domains"] as? [[String: Any]])?.first?["outcome"] as? String, outcome, domain)
        }
        // Without the anchor, the same server is named for what it is before any verdict
        // (issue 23): an authoritative server that does not recurse, not a resolver to trust.
        let trusting = try Danectl.run(["verify", "--resolver", "127.53.0.1", "--timeout", "5", "valid-311.test"])
        XCTAssertEqual(trusting.status, 69, trusting.stdout + trusting.stderr)
        XCTAssertTrue(
            trusting.stderr.contains(
                "127.53.0.1 is not a recursive resolver (its answers have the RA (recursion available) bit clear)"),
            trusting.stderr)
        XCTAssertEqual(trusting.stdout, "", "no verdict through the wrong world")

        // An anchor for some other key: nothing validates.
        let folder = try TemporaryFolder()
        let stranger = try Danectl.run(["keygen", ".", "--ksk", "--directory", folder.path]).stdout.trimmingCharacters(
            in: .newlines)
        let wrong = try folder.write("wrong.ds", try Danectl.run(["ds", folder.file(stranger)]).stdout)
        let refused = try Danectl.run([
            "verify", "--resolver", "127.53.0.1", "--trust-anchor", wrong, "--timeout", "5", "valid-311.test",
        ])
        XCTAssertEqual(refused.status, 2, refused.stdout)
        XCTAssertTrue(refused.stdout.contains("5.7.324"), refused.stdout)
    }

    /// Issue 13, findings 3 and 4: 127.53.0.3 is a resolver that lies (Tests/lab/tampering-resolver.py).
    /// It answers mismatch.test MX with valid-311.test's correctly signed MX, and strips the
    /// RRSIGs from mx.valid-311.test A. With --trust-anchor (where the resolver is untrusted by
    /// design) both are bogus: not a PASS for the wrong domain, not a downgrade to "unsigned".
    func testTrustAnchorModeRefusesForgedAndStrippedAnswers() throws {
        let lab = try lab()
        let anchor = lab.folder + "/zones/trust-anchor.ds"
        let forged = try Danectl.run([
            "verify", "--resolver", "127.53.0.3", "--trust-anchor", anchor, "--timeout", "5", "--format", "json",
            "mismatch.test",
        ])
        XCTAssertEqual(forged.status, 2, forged.stdout)
        XCTAssertTrue(forged.stdout.contains("which does not answer it"), forged.stdout)
        XCTAssertFalse(
            forged.stdout.contains("mx.valid-311.test"), "the forged MX must not be probed: \(forged.stdout)")

        // Hardening M5: another zone's validly signed NXDOMAIN proof does not deny this name: the
        // TLSA lookup is bogus (2), never "none published" (3, not protected).
        let denied = try Danectl.run([
            "verify", "--resolver", "127.53.0.3", "--trust-anchor", anchor, "--timeout", "5", "--format", "json",
            "valid-312.test",
        ])
        XCTAssertEqual(denied.status, 2, "a denial from another zone must not pass: \(denied.stdout)\(denied.stderr)")
        XCTAssertTrue(denied.stdout.contains("\"dns-problem\""), denied.stdout)
        let stripped = try Danectl.run([
            "verify", "--resolver", "127.53.0.3", "--trust-anchor", anchor, "--timeout", "5", "--format", "json",
            "valid-311.test",
        ])
        XCTAssertEqual(stripped.status, 2, "stripped signatures are bogus, not unsigned: \(stripped.stdout)")
        XCTAssertTrue(stripped.stdout.contains("\"dns-problem\""), stripped.stdout)
    }

    /// Issue 13, finding 1: an MX that trickles its ServerHello past --timeout ends in a
    /// verdict for every command that probes, never in SIGPIPE (exit 141).
    func testATricklingServerHelloEndsInAVerdictEverywhere() throws {
        let lab = try lab()
        let folder = try TemporaryFolder()
        let description = try folder.write(
            "slow.yaml",
            """
            domain: slowtls.test
            ttl: 300
            mx: [{host: mx.slowtls.test, certificate: \(lab.certificates)/ee.pem, next: \(lab.certificates)/next.pem}]
            """)
        let live = try Danectl.run([
            "generate", description, "--check-live", "--resolver", lab.resolver, "--timeout", "2",
        ])
        XCTAssertEqual(live.status, 1, "generate --check-live: \(live.stderr)")
        let gate = try Danectl.run(["rollover", "check", description, "--resolver", lab.resolver, "--timeout", "2"])
        XCTAssertNotEqual(gate.status, 141, "rollover check died of SIGPIPE")
        XCTAssertNotEqual(gate.status, 0, "an unreachable key is not safe: \(gate.stdout)")
        let (result, _) = try verify("slowtls.test", "--timeout", "2")
        XCTAssertEqual(result.status, 1)
    }

    /// Issue 13, finding 6: an answer whose message ID is not the question's is not taken,
    /// even from the trusted resolver (a stray or off-path spoofed answer); the domain next
    /// to it, answered properly by the same resolver, still passes.
    func testAnswersWithAnotherMessageIDAreRefused() throws {
        _ = try lab()
        let stray = try Danectl.run([
            "verify", "--resolver", "127.53.0.3", "--timeout", "3", "--dns-only", "valid-211.test",
        ])
        XCTAssertEqual(stray.status, 2, "\(stray.stdout)\(stray.stderr)")
        XCTAssertTrue((stray.stdout + stray.stderr).contains("message ID"), "\(stray.stdout)\(stray.stderr)")
        let honest = try Danectl.run([
            "verify", "--resolver", "127.53.0.3", "--timeout", "3", "--dns-only", "rollover.test",
        ])
        XCTAssertEqual(honest.status, 0, "\(honest.stdout)\(honest.stderr)")
    }

    // MARK: - Helpers

    /// `verify --db` keeps each run's verdicts in the report store, SQLite or PostgreSQL alike,
    /// and the history reads back as values: a failing and a passing domain, per address.
    func testVerifyKeepsItsResultsInTheStore() throws {
        let lab = try lab()
        let folder = try TemporaryFolder()
        let cluster = try PostgresCluster()
        defer { cluster.stop() }
        for db in [folder.file("history.sqlite"), cluster.url()] {
            for _ in 0..<2 {
                let run = try Danectl.run([
                    "verify", "--resolver", lab.resolver, "--db", db, "--keep-days", "30", "mismatch.test",
                    "valid-311.test",
                ])
                XCTAssertEqual(run.status, 1, "\(db): mismatch.test fails DANE\n\(run.stdout)\(run.stderr)")
            }
            let store = try ReportStore(location: StoreLocation(db))
            let failing = try store.verifyHistory(domain: "mismatch.test")
            XCTAssertEqual(failing.count, 2, "\(db): two runs kept")
            XCTAssertEqual(failing.first?.outcome, "dane-failure", db)
            XCTAssertEqual(failing.first?.codes.first, "tlsa-invalid", db)
            XCTAssertTrue(failing.first?.problem?.contains("5.7.323") == true, "\(db): \(failing.first?.problem ?? "")")
            XCTAssertFalse(failing.first?.addresses.isEmpty ?? true, db)
            XCTAssertTrue(failing.first?.addresses.allSatisfy { $0.verdict == "fail" && $0.matched == nil } == true, db)
            let passing = try XCTUnwrap(try store.verifyHistory(domain: "valid-311.test").first, db)
            XCTAssertEqual(passing.outcome, "pass", db)
            XCTAssertTrue(passing.addresses.allSatisfy { $0.matched?.hasPrefix("3 1 1 ") == true }, db)
            XCTAssertTrue(
                passing.addresses.allSatisfy { address in address.matched.map { address.tlsa.contains($0) } == true },
                "\(db): the host's TLSA set is kept, the matched record in it")
            XCTAssertNotNil(passing.certificateExpiry, db)
        }
        let unwritable = try Danectl.run([
            "verify", "--resolver", lab.resolver, "--db", "/proc/version/history.sqlite", "valid-311.test",
        ])
        XCTAssertEqual(unwritable.status, 73, "a pass whose results cannot be kept says so\n\(unwritable.stderr)")
        XCTAssertTrue(unwritable.stderr.hasSuffix(" [output-verify-history]\n"), unwritable.stderr)
    }

    /// Issue 25 in a real browser: the lab's domains verified into a store, a sender's report
    /// with a hostile organisation name, `danectl serve`, and Debian's chromium driven by
    /// Selenium (chromedriver) looking at the overview and a failing domain's page.
    func testStatusPagesInChromiumDrivenBySelenium() throws {
        let lab = try lab()
        let folder = try TemporaryFolder()
        let db = folder.file("status.sqlite")
        let run = try Danectl.run([
            "verify", "--resolver", lab.resolver, "--db", db, "valid-311.test", "valid-312.test", "mismatch.test",
        ])
        XCTAssertEqual(run.status, 1, run.stdout + run.stderr)
        let report = try folder.write("r.json", StatusPagesTests.report(failed: 9, domain: "mismatch.test"))
        XCTAssertEqual(try Danectl.run(["reports", "ingest", "--db", db, report]).status, 0)
        let server = try ServeProcess(["--db", db], in: folder, command: ["serve"])
        defer { XCTAssertEqual(server.stop(), 0) }
        let artifacts = Repository.path(".build/test-artifacts")
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        let python =
            (ProcessInfo.processInfo.environment["DANECTL_TEST_VENV"] ?? Repository.path(".venv-test")) + "/bin/python"
        let browsed = try Processes.run(
            python,
            [Repository.path("Tests/status-browser.py"), "http://127.0.0.1:\(server.port)", "mismatch.test", artifacts])
        XCTAssertEqual(browsed.status, 0, browsed.stderr)
        let seen = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(browsed.stdout.utf8)) as? [String: Any], browsed.stderr)
        XCTAssertEqual(
            seen["overview"] as? [String: String],
            ["valid-311.test": "PASS", "valid-312.test": "WARNING", "mismatch.test": "DANE FAILS"],
            "the overview lists the lab's domains with their status in words")
        XCTAssertEqual(seen["status"] as? String, "DANE FAILS")
        XCTAssertEqual(seen["chart_days"] as? Int, 30, "one bar slot per day")
        XCTAssertEqual(seen["chart_days_with_data"] as? Int, 1, "yesterday's report")
        let failures = try XCTUnwrap(seen["failure_rows"] as? [[String]])
        XCTAssertTrue(
            failures.contains { $0.contains("tlsa-invalid") && $0.contains("<script>alert(1)</script> Mail") },
            "the organisation's name shown as text: \(failures)")
        XCTAssertEqual(seen["scripts"] as? Int, 0, "no script element made it into the page")
        for name in ["lab-status-index.png", "lab-status-domain.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: artifacts + "/" + name), name)
        }
    }

    func lab() throws -> TestLab {
        try XCTUnwrap(Self.lab, "the test lab is not running")
    }

    func verify(_ domain: String, _ extra: String..., format: String = "json") throws -> (ProcessResult, [String: Any])
    {
        let result = try Danectl.run(
            ["verify", "--resolver", try lab().resolver, "--format", format, "--timeout", "5"] + extra + [domain])
        guard format == "json" else { return (result, [:]) }
        let document = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stderr)
        return (result, try XCTUnwrap((document["domains"] as? [[String: Any]])?.first))
    }

    func addresses(in report: [String: Any]) -> [[String: Any]] {
        (report["hosts"] as? [[String: Any]] ?? []).flatMap { $0["addresses"] as? [[String: Any]] ?? [] }
    }

    func codes(in report: [String: Any]) -> [String] {
        var found: [String] = []
        if let code = (report["failure"] as? [String: Any])?["code"] as? String { found.append(code) }
        for host in report["hosts"] as? [[String: Any]] ?? [] {
            if let code = (host["failure"] as? [String: Any])?["code"] as? String { found.append(code) }
            for address in host["addresses"] as? [[String: Any]] ?? [] {
                if let code = (address["failure"] as? [String: Any])?["code"] as? String { found.append(code) }
            }
        }
        return found
    }

    /// Issue 11 (in part): --dns-only checks DNS and DNSSEC without SMTP, and says so.
    func testDNSOnlyChecksNoCertificateAndSaysSo() throws {
        let lab = try lab()
        let json = try Danectl.run([
            "verify", "--resolver", lab.resolver, "--dns-only", "--format", "json", "valid-311.test", "bogus.test",
        ])
        XCTAssertEqual(json.status, 2, json.stdout)
        try SchemaCheck.assertValid(json.stdout, "verify", "verify --dns-only")
        XCTAssertTrue(json.stdout.contains("\"verdict\" : \"not-checked\""), json.stdout)
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let valid = try XCTUnwrap((document["domains"] as? [[String: Any]])?.first)
        let probed = try XCTUnwrap(addresses(in: valid).first)
        XCTAssertEqual(probed["verdict"] as? String, "not-checked")
        XCTAssertEqual((probed["certificates"] as? [Any])?.count, 0, "no certificate was fetched")
        let text = try Danectl.run(["verify", "--resolver", lab.resolver, "--dns-only", "valid-311.test"])
        XCTAssertEqual(text.status, 0, text.stdout)
        XCTAssertTrue(text.stdout.contains("(DNS only: no server certificate was checked)"), text.stdout)
        XCTAssertTrue(text.stdout.contains("127.25.0.1  DNS ONLY  not probed"), text.stdout)
    }

    /// Issue 11 (in part): verify as a Nagios plugin.
    func testNagiosStatusesAndPerfdata() throws {
        let lab = try lab()
        let ok = try Danectl.run(["verify", "--resolver", lab.resolver, "--nagios", "valid-311.test"])
        XCTAssertEqual(ok.status, 0, ok.stdout)
        XCTAssertTrue(
            ok.stdout.hasPrefix(
                "DANE VERIFY OK - 1 domain(s): every MX host authenticates by DANE | domains=1;;;0 pass=1;;;0"),
            ok.stdout)
        let warning = try Danectl.run([
            "verify", "--resolver", lab.resolver, "--nagios", "valid-311.test", "unsigned.test",
        ])
        XCTAssertEqual(warning.status, 1, warning.stdout)
        XCTAssertTrue(
            warning.stdout.hasPrefix("DANE VERIFY WARNING - unsigned.test: not protected: DANE is not in force | "),
            warning.stdout)
        let critical = try Danectl.run([
            "verify", "--resolver", lab.resolver, "--nagios", "mismatch.test", "unsigned.test",
        ])
        XCTAssertEqual(critical.status, 2, critical.stdout)
        // Issue 23: the status line names the first problem as the sender does; the rest follow, one a line.
        XCTAssertTrue(
            critical.stdout.hasPrefix("DANE VERIFY CRITICAL - mismatch.test: mx.mismatch.test "), critical.stdout)
        XCTAssertTrue(
            critical.stdout.split(separator: "\n").first?.contains("5.7.323 tlsa-invalid") == true, critical.stdout)
        XCTAssertTrue(critical.stdout.contains("\nunsigned.test: not protected: DANE is not in force"), critical.stdout)
        // A null MX takes no mail by its own say: not a warning, counted apart.
        let nullMX = try Danectl.run([
            "verify", "--resolver", lab.resolver, "--nagios", "valid-311.test", "null-mx.test",
        ])
        XCTAssertEqual(nullMX.status, 0, nullMX.stdout)
        XCTAssertTrue(nullMX.stdout.contains("not_protected=0;;;0 null_mx=1;;;0"), nullMX.stdout)
        let unknown = try Danectl.run([
            "verify", "--resolver", "127.53.0.9", "--timeout", "2", "--nagios", "valid-311.test",
        ])
        XCTAssertEqual(unknown.status, 3, unknown.stderr)
        XCTAssertTrue(
            unknown.stdout.hasPrefix("DANE VERIFY UNKNOWN - the resolver 127.53.0.9 does not answer"),
            "UNKNOWN says why on stdout: \(unknown.stdout)")
    }

    /// Issue 11 (in part): a null MX is reported as such in JSON too, and the TLS-RPT report
    /// takes the sender's organization and contact, with a report-id unique per report.
    func testNullMXInJSONAndTLSRPTIdentity() throws {
        let lab = try lab()
        let result = try Danectl.run(["verify", "--resolver", lab.resolver, "--format", "json", "null-mx.test"])
        try SchemaCheck.assertValid(result.stdout, "verify", "verify null-mx.test")
        let domain = try XCTUnwrap(
            ((JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])?["domains"]
                as? [[String: Any]])?.first)
        XCTAssertEqual(domain["null_mx"] as? Bool, true, result.stdout)
        var ids = Set<String>()
        for _ in 0..<2 {
            let report = try Danectl.run([
                "verify", "--resolver", lab.resolver, "--format", "tlsrpt", "--organization", "Example Mail Ops",
                "--contact", "mailto:tls-reports@example.net", "valid-311.test",
            ])
            XCTAssertEqual(report.status, 0, report.stdout)
            try SchemaCheck.assertValid(report.stdout, "tlsrpt-report", "tlsrpt with organization")
            let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
            XCTAssertEqual(document["organization-name"] as? String, "Example Mail Ops")
            XCTAssertEqual(document["contact-info"] as? String, "mailto:tls-reports@example.net")
            ids.insert(try XCTUnwrap(document["report-id"] as? String))
        }
        XCTAssertEqual(ids.count, 2, "report-ids must be unique")
    }

    /// A sender has no client certificate: an MX that demands one ends the session after a
    /// handshake that DANE-authenticated. Postfix defers; verify must not say PASS, and the
    /// rollover gate must not call it safe.
    func testAnMXDemandingAClientCertificateFails() throws {
        let (result, report) = try verify("ccert.test")
        XCTAssertEqual(result.status, 1, result.stdout)
        XCTAssertEqual(report["outcome"] as? String, "dane-failure")
        let address = try XCTUnwrap(addresses(in: report).first)
        XCTAssertEqual(address["verdict"] as? String, "fail")
        XCTAssertEqual((address["failure"] as? [String: Any])?["code"] as? String, "4.4.316", "\(address)")
        let detail = address["detail"] as? String ?? ""
        XCTAssertTrue(detail.contains("421") && detail.contains("client certificate"), detail)
        XCTAssertTrue((address["remedy"] as? String ?? "").contains("smtpd_tls_req_ccert"), "\(address)")
        // The rollover gate fails closed on it: the key matches, but no mail would get through.
        let folder = try TemporaryFolder()
        let description = try folder.write(
            "ccert.yaml",
            """
            domain: ccert.test
            ttl: 300
            mx: [{host: mx.ccert.test, certificate: \(try lab().certificates)/ee.pem}]
            """)
        let gate = try Danectl.run([
            "rollover", "check", description, "--resolver", try lab().resolver, "--timeout", "5",
        ])
        XCTAssertNotEqual(gate.status, 0, "an MX that ends the session is not safe: \(gate.stdout)")
        // Every other Postfix MX answers EHLO over TLS and still passes.
        let (passing, _) = try verify("valid-311.test")
        XCTAssertEqual(passing.status, 0)
    }

    /// What the sender does next follows RFC 7672 and Postfix: another address of the same
    /// host, then another MX host, and only when none authenticates, defer.
    func testTheSendersNextStepFollowsWhatStillWorks() throws {
        let (twoAddresses, report) = try verify("two-addr.test")
        XCTAssertEqual(twoAddresses.status, 1)
        let bad = try XCTUnwrap(addresses(in: report).first { $0["address"] as? String == "127.25.0.5" })
        XCTAssertTrue(
            (bad["sender_next"] as? String ?? "").contains("next address of mx.two-addr.test., 127.25.0.1"), "\(bad)")
        let (_, twoMX) = try verify("two-mx.test")
        let failing = try XCTUnwrap(addresses(in: twoMX).first { $0["verdict"] as? String == "fail" })
        XCTAssertTrue(
            (failing["sender_next"] as? String ?? "").contains("next MX host, good.two-mx.test."), "\(failing)")
        let (_, mismatch) = try verify("mismatch.test")
        let alone = try XCTUnwrap(addresses(in: mismatch).first)
        XCTAssertTrue((alone["sender_next"] as? String ?? "").contains("stays queued"), "\(alone)")
    }

    /// A bogus answer is fixed by signatures or the DS, never by publishing the records again.
    func testBogusAnswersAreToldToResignNotToPublish() throws {
        let (result, report) = try verify("bogus-tlsa.test")
        XCTAssertEqual(result.status, 2, result.stdout)
        let host = try XCTUnwrap((report["hosts"] as? [[String: Any]])?.first)
        XCTAssertEqual((host["failure"] as? [String: Any])?["code"] as? String, "5.7.324")
        XCTAssertTrue((host["remedy"] as? String ?? "").contains("re-sign"), "\(host)")
        for address in addresses(in: report) {
            let remedy = address["remedy"] as? String ?? ""
            XCTAssertFalse(remedy.contains("publish a TLSA record"), remedy)
            XCTAssertTrue(remedy.contains("re-sign"), remedy)
        }
        let (_, domainBogus) = try verify("bogus.test")
        XCTAssertTrue((domainBogus["remedy"] as? String ?? "").contains("re-sign"), "\(domainBogus)")
    }

    /// An unsigned zone that already holds TLSA records is told what signing it would do.
    func testUnsignedTLSAIsJudgedAsIfSigned() throws {
        let (good, okReport) = try verify("unsigned-ok.test")
        XCTAssertEqual(good.status, 3)
        XCTAssertTrue(
            (addresses(in: okReport).first?["detail"] as? String ?? "").contains("would make DANE pass"), "\(okReport)")
        let (bad, badReport) = try verify("unsigned.test")
        XCTAssertEqual(bad.status, 3)
        let address = try XCTUnwrap(addresses(in: badReport).first)
        XCTAssertTrue((address["detail"] as? String ?? "").contains("would make DANE FAIL"), "\(address)")
        XCTAssertTrue(
            (address["remedy"] as? String ?? "").contains("before signing, publish a TLSA record"), "\(address)")
    }

    /// Domains checked together (their own questions asked ahead, many in flight) get the
    /// verdicts each gets alone (asked one at a time): passing, signed but broken, null MX,
    /// nonexistent, unsigned, a bad TLSA, a name that is not a domain.
    func testDomainsCheckedTogetherSayWhatEachSaysAlone() throws {
        let lab = try lab()
        let domains = [
            "valid-311.test", "bogus.test", "null-mx.test", "nxdomain-\(UInt32.random(in: 0...UInt32.max)).test",
            "unsigned.test", "mismatch.test", "bad-ds.test", "d1.bulk.test", "d2.bulk.test", "nodenial.test",
            "cname-mx.test", "valid-312.test", "no-tlsa.test", "implicit-mx.test", "bogus-tlsa.test",
        ]
        func verdicts(_ stdout: String) throws -> [String: String] {
            var found: [String: String] = [:]
            for line in stdout.split(separator: "\n") {
                let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                guard let domain = object["domain"] as? [String: Any], let name = domain["domain"] as? String else {
                    continue
                }
                let hosts = (domain["hosts"] as? [[String: Any]] ?? []).map {
                    "\($0["host"] ?? "")=\($0["tlsa_status"] ?? "-")/\($0["address_status"] ?? "-")"
                }
                found[name] =
                    "\(domain["outcome"] ?? "") mx:\(domain["mx_status"] ?? "") \(hosts.joined(separator: ","))"
                    + " \((domain["failure"] as? [String: Any])?["code"] ?? "")"
            }
            return found
        }
        let args = ["verify", "--resolver", lab.resolver, "--format", "jsonl", "--timeout", "5", "--dns-only"]
        let together = try verdicts(Danectl.run(args + domains).stdout)
        XCTAssertEqual(together.count, domains.count, "\(together)")
        for domain in domains {
            let alone = try verdicts(Danectl.run(args + [domain]).stdout)
            XCTAssertEqual(together[domain + "."], alone[domain + "."], domain)
            XCTAssertNotNil(alone[domain + "."], domain)
        }
    }

    /// A provider's scale: 200 domains on one MX host cost one SMTP session (probes are shared),
    /// results stream as JSON Lines (each line valid, a summary last), and --quiet prints only
    /// what does not pass and the summary.
    func testDomainsSharingAnMXAreProbedOnceAndStreamed() throws {
        let lab = try lab()
        let maillog = lab.folder + "/postfix/maillog"
        func connections() throws -> Int {
            try String(contentsOfFile: maillog, encoding: .utf8).components(separatedBy: "\n").filter {
                $0.contains("postfix/smtpd") && $0.contains(": connect from")
            }.count
        }
        let domains = (1...200).map { "d\($0).bulk.test" }
        let before = try connections()
        let result = try Danectl.run(
            ["verify", "--resolver", lab.resolver, "--format", "jsonl", "--timeout", "5", "--jobs", "32"] + domains)
        XCTAssertEqual(result.status, 0, result.stderr)
        Thread.sleep(forTimeInterval: 0.5)  // Postfix writes its log a moment after the session
        XCTAssertEqual(try connections() - before, 1, "200 domains on one MX address: one SMTP session")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 201)
        let folder = try TemporaryFolder()
        let files = try lines.enumerated().map { index, line in try folder.write("line\(index).json", line) }
        try SchemaCheck.assertValidFiles(files, "verify-jsonl", "verify --format jsonl")
        let summary = try XCTUnwrap(
            (JSONSerialization.jsonObject(with: Data(lines.last!.utf8)) as? [String: Any])?["summary"] as? [String: Any]
        )
        XCTAssertEqual(summary["domains"] as? Int, 200)
        XCTAssertEqual(summary["pass"] as? Int, 200)

        let quiet = try Danectl.run([
            "verify", "--resolver", lab.resolver, "--quiet", "--timeout", "5", "valid-311.test", "mismatch.test",
            "valid-312.test",
        ])
        XCTAssertEqual(quiet.status, 1)
        XCTAssertFalse(quiet.stdout.contains("valid-311.test."), quiet.stdout)
        XCTAssertTrue(quiet.stdout.contains("mismatch.test.  FAIL"), quiet.stdout)
        XCTAssertTrue(quiet.stdout.contains("valid-312.test.  WARNING"), "a warning is not a pass: \(quiet.stdout)")
        XCTAssertTrue(
            quiet.stdout.hasSuffix("verified 3 domain(s): 1 pass, 1 warning, 1 DANE failure (exit 1)\n"), quiet.stdout)
    }

    /// Monitoring: --format prometheus for node_exporter's textfile collector, written
    /// atomically with --output and read back by Prometheus's own parser; and a TLS-RPT report
    /// with RFC 8460's per-failure fields and a real date-range.
    func testPrometheusAndTLSRPTCarryWhatMonitoringNeeds() throws {
        let lab = try lab()
        let folder = try TemporaryFolder()
        let file = folder.file("danectl.prom")
        let result = try Danectl.run([
            "verify", "--resolver", lab.resolver, "--timeout", "5", "--format", "prometheus", "--output", file,
            "valid-311.test", "mismatch.test",
        ])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertEqual(result.stdout, "", "the report goes to the file")
        let samples = try PrometheusCheck.samples(file)
        XCTAssertTrue(samples.contains("danectl_verify_domain_pass{domain=valid-311.test.} 1"), "\(samples)")
        XCTAssertTrue(samples.contains("danectl_verify_domain_pass{domain=mismatch.test.} 0"), "\(samples)")
        XCTAssertTrue(
            samples.contains {
                $0.hasPrefix("danectl_verify_address_result{address=127.25.0.1,code=5.7.323,domain=mismatch.test.")
            }, "\(samples)")
        XCTAssertTrue(
            samples.contains {
                $0.hasPrefix("danectl_verify_probe_duration_seconds{address=127.25.0.1,domain=valid-311.test.")
            })
        let expiry = try XCTUnwrap(
            samples.first {
                $0.hasPrefix(
                    "danectl_verify_certificate_expiry_timestamp_seconds{address=127.25.0.1,domain=valid-311.test.")
            })
        XCTAssertGreaterThan(Double(expiry.split(separator: " ").last!)!, Date().timeIntervalSince1970)
        let signatures = try XCTUnwrap(
            samples.first { $0.hasPrefix("danectl_verify_signature_expiry_timestamp_seconds{domain=valid-311.test.}") })
        XCTAssertGreaterThan(Double(signatures.split(separator: " ").last!)!, Date().timeIntervalSince1970)
        // Issue 23, end to end: Prometheus's own promtool lints the file, the per-record match and
        // the run's success are there, and the mismatching record of mismatch.test matches nothing.
        let lint = try Processes.run("sh", ["-c", "promtool check metrics < '\(file)'"])
        XCTAssertEqual(lint.status, 0, lint.stdout + lint.stderr)
        XCTAssertTrue(
            samples.contains("danectl_verify_success 1") || samples.contains("danectl_verify_success{} 1"), "\(samples)"
        )
        XCTAssertTrue(
            samples.contains {
                $0.hasPrefix("danectl_tlsa_record_match{") && $0.contains("domain=valid-311.test.")
                    && $0.hasSuffix(" 1")
            }, "\(samples)")
        XCTAssertTrue(
            samples.contains {
                $0.hasPrefix("danectl_tlsa_record_match{") && $0.contains("domain=mismatch.test.") && $0.hasSuffix(" 0")
            }, "\(samples)")
        XCTAssertTrue(samples.contains("danectl_verify_dane_pass{domain=mismatch.test.} 0"), "\(samples)")

        let started = Date()
        let report = try Danectl.run([
            "verify", "--resolver", lab.resolver, "--timeout", "5", "--format", "tlsrpt", "mismatch.test",
        ])
        try SchemaCheck.assertValid(report.stdout, "tlsrpt-report", "tlsrpt for mismatch.test")
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let range = try XCTUnwrap(document["date-range"] as? [String: String])
        let start = try XCTUnwrap(ISO8601DateFormatter().date(from: range["start-datetime"] ?? ""))
        let end = try XCTUnwrap(ISO8601DateFormatter().date(from: range["end-datetime"] ?? ""))
        XCTAssertLessThanOrEqual(start, end)
        XCTAssertGreaterThanOrEqual(start.timeIntervalSince1970, started.timeIntervalSince1970.rounded(.down) - 1)
        let detail = try XCTUnwrap(
            ((document["policies"] as? [[String: Any]])?.first?["failure-details"] as? [[String: Any]])?.first)
        XCTAssertEqual(detail["result-type"] as? String, "tlsa-invalid")
        XCTAssertEqual(detail["receiving-ip"] as? String, "127.25.0.1")
        XCTAssertEqual(detail["receiving-mx-hostname"] as? String, "mx.mismatch.test")
        XCTAssertEqual(detail["sending-mta-ip"] as? String, "127.0.0.1", "this machine's end of the probe")
        XCTAssertFalse((detail["failure-reason-code"] as? String ?? "").isEmpty, "\(detail)")
    }
}
