import Foundation
import XCTest

/// `danectl reports ingest` and `summary` on real report shapes: the RFC 8460 §4.4 example, a
/// large sender's report (several policies, no-policy-found, every result type, very long
/// failure details), gzip, and the e-mail form; duplicates; and inputs that are not reports.
final class ReportsTests: XCTestCase {
    func fixture(_ name: String) -> String { Repository.path("Tests/Fixtures/tlsrpt/\(name)") }

    func summary(_ db: String, _ extra: [String] = []) throws -> [String: Any] {
        let result = try Danectl.run(["reports", "summary", "--db", db, "--format", "json"] + extra)
        XCTAssertEqual(result.status, 0, result.stderr)
        try SchemaCheck.assertValid(result.stdout, "reports-summary", "reports summary \(extra)")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    func policies(_ document: [String: Any]) -> [[String: Any]] { document["policies"] as? [[String: Any]] ?? [] }

    func testRFCExampleIsStoredAndSummarisedWithSenderCodes() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("reports.sqlite")
        let ingest = try Danectl.run(["reports", "ingest", "--db", db, fixture("rfc8460-example.json")])
        XCTAssertEqual(ingest.status, 0, ingest.stderr)
        XCTAssertTrue(
            ingest.stdout.contains(
                "stored     5065427c-23d3-47ca-b6e0-946ea0e8c4be  from Company-X for company-y.example"), ingest.stdout)

        let document = try summary(db)
        let policy = try XCTUnwrap(policies(document).first)
        XCTAssertEqual(policy["domain"] as? String, "company-y.example")
        XCTAssertEqual(policy["policy_type"] as? String, "sts")
        XCTAssertEqual(policy["successful_sessions"] as? Int, 5326)
        XCTAssertEqual(policy["failed_sessions"] as? Int, 303)
        XCTAssertEqual(policy["organizations"] as? [String], ["Company-X"])
        let failures = try XCTUnwrap(policy["failures"] as? [[String: Any]])
        let byType = Dictionary(uniqueKeysWithValues: failures.map { ($0["result_type"] as! String, $0) })
        XCTAssertEqual(byType["starttls-not-supported"]?["sessions"] as? Int, 200)
        XCTAssertEqual(byType["starttls-not-supported"]?["sender_code"] as? String, "5.7.321")
        XCTAssertEqual(byType["starttls-not-supported"]?["receiving_ip"] as? String, "203.0.113.56")
        XCTAssertEqual(byType["certificate-expired"]?["sender_code"] as? String, "5.7.322")
        XCTAssertEqual(byType["certificate-expired"]?["mx_host"] as? String, "mx1.mail.company-y.example")
        XCTAssertEqual(
            byType["validation-failure"]?["failure_reason_code"] as? String, "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED")
        XCTAssertTrue((byType["starttls-not-supported"]?["fix"] as? String ?? "").contains("STARTTLS"))
        XCTAssertEqual(failures.first?["result_type"] as? String, "starttls-not-supported", "most sessions first")

        let text = try Danectl.run(["reports", "summary", "--db", db])
        XCTAssertTrue(
            text.stdout.contains(
                "FAIL starttls-not-supported (5.7.321)  200 session(s)  mx2.mail.company-y.example 203.0.113.56"),
            text.stdout)
    }

    func testEveryFormOfALargeSendersReportAndDuplicates() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("reports.sqlite")
        let gz = folder.file("large.json.gz")
        try FileManager.default.copyItem(atPath: fixture("large-sender.json"), toPath: folder.file("large.json"))
        XCTAssertEqual(try Processes.run("gzip", ["-k", folder.file("large.json")]).status, 0)
        // A Maildir holding the mailed report, as an MTA would deliver it.
        for sub in ["new", "cur", "tmp"] {
            try FileManager.default.createDirectory(
                atPath: folder.file("Maildir/\(sub)"), withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(
            atPath: fixture("google-mail.eml"), toPath: folder.file("Maildir/new/1764321600.M1P1.mx"))

        let first = try Danectl.run([
            "reports", "ingest", "--db", db, fixture("large-sender.json"), folder.file("Maildir"),
        ])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("2 stored, 0 already stored, 0 kept aside"), first.stdout)
        // The same report again, gzipped, and the mail again through standard input: stored once.
        let again = try Danectl.run(["reports", "ingest", "--db", db, gz])
        XCTAssertTrue(again.stdout.contains("0 stored, 1 already stored"), again.stdout)
        let piped = try Processes.run(
            Danectl.path, ["reports", "ingest", "--db", db],
            stdin: try Data(contentsOf: URL(fileURLWithPath: fixture("google-mail.eml"))))
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertTrue(piped.stdout.contains("duplicate  2026-11-27T00:00:00Z_example.net"), piped.stdout)

        let document = try summary(db)
        let byDomain = Dictionary(grouping: policies(document), by: { $0["domain"] as! String })
        let net = try XCTUnwrap(byDomain["example.net"]?.first)
        XCTAssertEqual(net["policy_type"] as? String, "tlsa")
        XCTAssertEqual(net["successful_sessions"] as? Int, 8420, "two senders' reports, each counted once")
        XCTAssertEqual(Set(net["organizations"] as? [String] ?? []), ["Google Inc.", "Microsoft Corporation"])
        let failures = try XCTUnwrap(net["failures"] as? [[String: Any]])
        XCTAssertEqual(
            Set(failures.map { $0["result_type"] as! String }),
            [
                "starttls-not-supported", "certificate-host-mismatch", "certificate-expired", "certificate-not-trusted",
                "validation-failure",
                "tlsa-invalid", "dnssec-invalid", "dane-required", "sts-policy-fetch-error", "sts-policy-invalid",
                "sts-webpki-invalid",
            ])
        XCTAssertTrue(
            failures.allSatisfy { ($0["fix"] as? String)?.isEmpty == false }, "every RFC 8460 result type has a fix")
        let long = try XCTUnwrap(
            failures.first { ($0["additional_information"] as? String)?.hasPrefix("TLS handshake failed") == true })
        XCTAssertEqual(
            (long["additional_information"] as? String)?.count, 22 + 25 * 400, "long failure details are kept whole")
        XCTAssertEqual(byDomain["example.com"]?.first?["policy_type"] as? String, "no-policy-found")
        XCTAssertEqual(byDomain["example.org"]?.first?["policy_type"] as? String, "sts")

        // Filters: one domain; a period after every report.
        XCTAssertEqual(
            policies(try summary(db, ["--domain", "EXAMPLE.org."])).map { $0["domain"] as? String }, ["example.org"])
        XCTAssertTrue(policies(try summary(db, ["--since", "2026-11-28"])).isEmpty)
        XCTAssertEqual(policies(try summary(db, ["--since", "2026-11-27T12:00:00Z"])).count, 3)

        let prometheus = try Danectl.run(["reports", "summary", "--db", db, "--format", "prometheus"])
        let file = try folder.write("tlsrpt.prom", prometheus.stdout)
        let samples = try PrometheusCheck.samples(file)
        XCTAssertTrue(
            samples.contains(
                "danectl_tlsrpt_sessions_total{domain=example.net,policy_type=tlsa,result=successful} 8420"),
            "\(samples)")
        XCTAssertTrue(samples.contains("danectl_tlsrpt_rejected_inputs{} 0"), "\(samples)")
    }

    func testInputsThatAreNotReportsAreKeptAsideAndTheRestGoOn() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("reports.sqlite")
        try folder.write("broken.json", "{\"organization-name\": \"X\", \"report-id\": ")
        try folder.write(
            "missing-field.json",
            #"{"organization-name": "X", "date-range": {"start-datetime": "2026-11-27T00:00:00Z", "end-datetime": "2026-11-27T23:59:59Z"}, "contact-info": "x", "report-id": "r1", "policies": [{"policy": {"policy-type": "tlsa", "policy-domain": "example.net"}}]}"#
        )
        // A truncated gzip, and a gzip bomb: 200 MiB of zeros in about 200 KiB.
        let gz = try Processes.shell(
            "gzip -c '\(fixture("rfc8460-example.json"))' | head -c 300 > '\(folder.file("truncated.json.gz"))'"
                + " && head -c 209715200 /dev/zero | gzip -c > '\(folder.file("bomb.json.gz"))'")
        XCTAssertEqual(gz.status, 0, gz.stderr)
        let result = try Danectl.run([
            "reports", "ingest", "--db", db, "--max-expanded", "16", folder.file("broken.json"),
            folder.file("missing-field.json"),
            folder.file("truncated.json.gz"), folder.file("bomb.json.gz"), fixture("rfc8460-example.json"),
        ])
        XCTAssertEqual(result.status, 65, "unreadable inputs are bad data: \(result.stderr)")
        XCTAssertTrue(result.stdout.contains("1 stored, 0 already stored, 4 kept aside"), result.stdout)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 4, result.stderr)
        XCTAssertTrue(result.stderr.contains("broken.json: not JSON"), result.stderr)
        XCTAssertTrue(result.stderr.contains("missing-field.json: policies[0]: summary is missing"), result.stderr)
        XCTAssertTrue(result.stderr.contains("truncated.json.gz: broken or truncated gzip data"), result.stderr)
        XCTAssertTrue(
            result.stderr.contains("bomb.json.gz: gzip expanding past the 16777216-byte limit"), result.stderr)
        // Nothing lost: every input is in the store, the bad ones with their reasons.
        let kept = try Processes.run(
            "python3",
            [
                "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('select count(*), sum(length(content) > 0) from rejected').fetchone())",
                db,
            ])
        XCTAssertEqual(kept.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "(4, 4)", kept.stderr)
        XCTAssertEqual(try summary(db)["rejected_inputs"] as? Int, 4)

        // An input over --max-input is kept aside too, without being read whole.
        let big = folder.file("huge.json")
        XCTAssertEqual(try Processes.shell("head -c 3145728 /dev/zero | tr '\\0' ' ' > '\(big)'").status, 0)
        let huge = try Danectl.run(["reports", "ingest", "--db", db, "--max-input", "2", big])
        XCTAssertEqual(huge.status, 65)
        XCTAssertTrue(huge.stderr.contains("more than the 2097152-byte limit"), huge.stderr)

        let missing = try Danectl.run(["reports", "ingest", "--db", db, folder.file("nope.json")])
        XCTAssertEqual(missing.status, 66)
        let noStore = try Danectl.run(["reports", "summary", "--db", folder.file("none.sqlite")])
        XCTAssertEqual(noStore.status, 66, noStore.stderr)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: folder.file("none.sqlite")), "summary must not create a store")
        let unwritable = try Danectl.run([
            "reports", "ingest", "--db", "/proc/no-such/reports.sqlite", fixture("rfc8460-example.json"),
        ])
        XCTAssertEqual(unwritable.status, 73, unwritable.stderr)
    }

    /// `reports serve` as senders use it: POSTs over real HTTP (curl), stored before the 2xx,
    /// duplicates answered 200, a gzip bomb and an oversized body refused with 413, other
    /// content types 415, a broken report 400 and kept aside; SIGTERM stops it with 0.
    func testServeStoresPostedReportsAndRefusesBombs() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("served.sqlite")
        let server = try ServeProcess(["--db", db, "--max-input", "1", "--max-expanded", "2"], in: folder)
        let url = "http://127.0.0.1:\(server.port)/tlsrpt"

        func post(_ file: String, _ type: String) throws -> (code: String, body: String) {
            let result = try Processes.run(
                "curl",
                [
                    "-s", "--noproxy", "*", "-o", "-", "-w", "\n%{http_code}", "-H", "Content-Type: \(type)",
                    "--data-binary", "@" + file, url,
                ])
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            return (String(lines.last ?? ""), lines.dropLast().joined(separator: "\n"))
        }
        let gz = folder.file("rfc.json.gz")
        XCTAssertEqual(
            try Processes.shell(
                "gzip -c '\(fixture("rfc8460-example.json"))' > '\(gz)' && head -c 50000000 /dev/zero | gzip -c > '\(folder.file("bomb.gz"))'"
                    + " && head -c 2000000 /dev/zero > '\(folder.file("big.json"))'"
            ).status, 0)
        try folder.write("broken.json", "{\"report-id\": 1")

        let stored = try post(gz, "application/tlsrpt+gzip")
        XCTAssertEqual(stored.code, "201", stored.body)
        // Stored before the answer: the summary already has it.
        XCTAssertEqual(policies(try summary(db)).first?["successful_sessions"] as? Int, 5326)
        XCTAssertEqual(try post(gz, "application/tlsrpt+gzip").code, "200")
        XCTAssertEqual(try post(fixture("large-sender.json"), "application/tlsrpt+json").code, "201")
        let bomb = try post(folder.file("bomb.gz"), "application/tlsrpt+gzip")
        XCTAssertEqual(bomb.code, "413", bomb.body)
        XCTAssertEqual(try post(folder.file("big.json"), "application/tlsrpt+json").code, "413")
        XCTAssertEqual(try post(fixture("rfc8460-example.json"), "text/plain").code, "415")
        let broken = try post(folder.file("broken.json"), "application/tlsrpt+json")
        XCTAssertEqual(broken.code, "400", broken.body)
        XCTAssertTrue(broken.body.contains("kept aside"), broken.body)

        let document = try summary(db)
        XCTAssertEqual(policies(document).count, 4, "the RFC example's domain and the large report's three")
        XCTAssertEqual(
            document["rejected_inputs"] as? Int, 1, "the broken report is kept aside; the refused bomb is not stored")

        XCTAssertEqual(server.stop(), 0, "SIGTERM stops serve cleanly")
    }
}
