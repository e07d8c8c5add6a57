import Foundation
import XCTest

/// Several receivers, one store (issue 21): the PostgreSQL store keeps the same identity rule
/// and gives the same summary as the SQLite one, two `reports serve` processes posting the
/// same and different reports at once store each exactly once, and a database that cannot be
/// reached defers (75) rather than bounces.
final class ReportsPostgresTests: XCTestCase {
    /// Inputs that exercise every rule: two organisations under one report-id, a re-sent
    /// report, a conflicting one, a policy without a domain, a large real-world report, an
    /// e-mail, and a non-report.
    func inputs(_ folder: TemporaryFolder) throws -> [String] {
        let noDomain =
            #", {"policy": {"policy-type": "no-policy-found"}, "summary": {"total-successful-session-count": 0, "total-failure-session-count": 3}, "failure-details": [{"result-type": "validation-failure", "receiving-mx-hostname": "mx.example.com", "receiving-ip": "192.0.2.25", "failed-session-count": 3}"#
            + (26...33).map {
                #", {"result-type": "validation-failure", "receiving-mx-hostname": "mx.example.com", "receiving-ip": "192.0.2.\#($0)", "failed-session-count": 1}"#
            }.joined()
            + "]}"
        return [
            try folder.write(
                "a.json",
                ReportsIdentityTests.report(
                    organization: "Example Hosting, Inc.", successful: 750, extraPolicies: noDomain)),
            try folder.write("b.json", ReportsIdentityTests.report(organization: "Other Site", successful: 250)),
            try folder.write(
                "a-again.json",
                ReportsIdentityTests.report(
                    organization: "Example Hosting, Inc.", successful: 750, extraPolicies: noDomain)),
            try folder.write(
                "a-forged.json", ReportsIdentityTests.report(organization: "Example Hosting, Inc.", successful: 9)),
            try folder.write("spam.json", "Buy now!\n"),
            Repository.path("Tests/Fixtures/tlsrpt/rfc8460-example.json"),
            Repository.path("Tests/Fixtures/tlsrpt/large-sender.json"),
            Repository.path("Tests/Fixtures/tlsrpt/google-mail.eml"),
        ]
    }

    func summaryJSON(_ db: String) throws -> [String: Any] {
        let result = try Danectl.run(["reports", "summary", "--db", db, "--format", "json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        try SchemaCheck.assertValid(result.stdout, "reports-summary", "reports summary --db \(db)")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    func testPostgresKeepsTheIdentityRuleAndSummarisesAsSQLiteDoes() throws {
        let cluster = try PostgresCluster()
        defer { cluster.stop() }
        let folder = try TemporaryFolder()
        let files = try inputs(folder)
        let sqlite = folder.file("r.sqlite"), postgres = cluster.url()
        for db in [sqlite, postgres] {
            // Files with inputs kept aside exit 65 (bad input), having stored the rest.
            let first = try Danectl.run(["reports", "ingest", "--db", db] + files)
            XCTAssertEqual(first.status, 65, first.stdout + first.stderr)
            XCTAssertTrue(
                first.stdout.contains("5 stored, 1 already stored, 2 kept aside"),
                "\(db): " + first.stdout + first.stderr)
            // Everything again, one by one: nothing new, nothing counted twice.
            for file in files {
                let again = try Danectl.run(["reports", "ingest", "--db", db, file])
                let keptAside = file.hasSuffix("forged.json") || file.hasSuffix("spam.json")
                XCTAssertEqual(again.status, keptAside ? 65 : 0, again.stdout + again.stderr)
                XCTAssertTrue(again.stdout.contains("0 stored"), again.stdout)
            }
        }
        let fromSQLite = try summaryJSON(sqlite), fromPostgres = try summaryJSON(postgres)
        XCTAssertEqual(fromPostgres as NSDictionary, fromSQLite as NSDictionary, "the same summary from both stores")
        let policies = try XCTUnwrap(fromPostgres["policies"] as? [[String: Any]])
        let example = policies.first {
            $0["domain"] as? String == "example.com" && $0["policy_type"] as? String == "tlsa"
        }
        XCTAssertEqual(example?["successful_sessions"] as? Int, 1000, "both organisations, each once")
        XCTAssertEqual(example?["organizations"] as? [String], ["Example Hosting, Inc.", "Other Site"])
        XCTAssertTrue(
            policies.contains { $0["policy_type"] as? String == "no-policy-found" },
            "the policy without a domain is kept")
        // Nine receiving addresses in one failure group: the five busiest listed, all counted,
        // the same from both stores (one SQL for both).
        let spread = policies.flatMap { $0["failures"] as? [[String: Any]] ?? [] }.first {
            ($0["receiving_ip_count"] as? Int ?? 0) > 1
        }
        XCTAssertEqual(spread?["receiving_ip_count"] as? Int, 9)
        XCTAssertEqual(spread?["sessions"] as? Int, 11)
        XCTAssertEqual((spread?["receiving_ips"] as? [[String: Any]])?.first?["ip"] as? String, "192.0.2.25")
        XCTAssertEqual((spread?["receiving_ips"] as? [[String: Any]])?.count, 5)
        XCTAssertEqual(try cluster.psql("SELECT COUNT(*) FROM report"), "5")
        // The forged report and the spam are kept aside (every time they came), with their reason.
        let rejected = try Danectl.run(["reports", "rejected", "--db", postgres])
        XCTAssertEqual(rejected.status, 0, rejected.stderr)
        XCTAssertTrue(
            rejected.stdout.contains("a-forged.json") && rejected.stdout.contains("spam.json"), rejected.stdout)
        XCTAssertEqual(try cluster.psql("SELECT COUNT(*) FROM rejected"), "4")
        let sqliteRejected = try Danectl.run(["reports", "rejected", "--db", sqlite])
        XCTAssertEqual(
            sqliteRejected.stdout.split(separator: "\n").count, rejected.stdout.split(separator: "\n").count,
            sqliteRejected.stdout)
    }

    /// Two receivers, one database: 40 reports posted to both at once (each to both), and 40
    /// posted to one or the other; every report is stored once and every session counted once.
    func testTwoReceiversPostingAtOnceStoreEachReportOnce() throws {
        let cluster = try PostgresCluster()
        defer { cluster.stop() }
        let folder = try TemporaryFolder()
        let one = try ServeProcess(["--db", cluster.url()], in: folder)
        let two = try ServeProcess(["--db", cluster.url()], in: folder)
        let script = """
            import json, sys, threading, urllib.request
            ports = sys.argv[1:3]
            def report(org, n):
                return json.dumps({"organization-name": org, "date-range": {"start-datetime": "2026-11-27T00:00:00Z",
                    "end-datetime": "2026-11-27T23:59:59Z"}, "contact-info": "postmaster@" + org, "report-id": "2026-11-27T00:00:00Z_idx1_example.com",
                    "policies": [{"policy": {"policy-type": "sts", "policy-string": ["version: STSv1"], "policy-domain": "example.com"},
                    "summary": {"total-successful-session-count": n, "total-failure-session-count": 1},
                    "failure-details": [{"result-type": "certificate-expired", "receiving-ip": "192.0.2.%d" % (n % 7), "failed-session-count": 1}]}]}).encode()
            codes = []
            lock = threading.Lock()
            def post(port, body):
                request = urllib.request.Request("http://127.0.0.1:%s/tlsrpt" % port, data=body, headers={"Content-Type": "application/tlsrpt+json"})
                with urllib.request.urlopen(request, timeout=60) as answer:
                    with lock: codes.append(answer.status)
            threads = []
            for n in range(1, 41):       # the same report to both receivers at once
                body = report("both-%d.example" % n, n)
                threads += [threading.Thread(target=post, args=(port, body)) for port in ports]
            for n in range(41, 81):      # each to one of them
                threads.append(threading.Thread(target=post, args=(ports[n % 2], report("one-%d.example" % n, n))))
            for t in threads: t.start()
            for t in threads: t.join()
            print(len(codes), sorted(set(codes)), codes.count(201))
            """
        let result = try Processes.run("python3", ["-c", script, one.port, two.port])
        XCTAssertEqual(
            result.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "120 [200, 201] 80",
            "every POST answered; 80 stored, the 40 second copies duplicates: " + result.stdout + result.stderr)
        // Each receiver holds at most 4 connections however many requests came at once
        // (PostgreSQL refuses clients past max_connections).
        let held = try cluster.psql(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")
        XCTAssertLessThanOrEqual(Int(held) ?? .max, 8, "connections held by the two receivers: \(held)")
        XCTAssertEqual(one.stop(), 0)
        XCTAssertEqual(two.stop(), 0)
        XCTAssertEqual(try cluster.psql("SELECT COUNT(*) FROM report"), "80")
        let summary = try summaryJSON(cluster.url())
        let sts = (summary["policies"] as? [[String: Any]])?.first { $0["policy_type"] as? String == "sts" }
        XCTAssertEqual(
            sts?["successful_sessions"] as? Int, (1...80).reduce(0, +), "each report's sessions counted once")
        XCTAssertEqual(sts?["failed_sessions"] as? Int, 80)
        XCTAssertEqual(sts?["reports"] as? Int, 80)
        let failures = sts?["failures"] as? [[String: Any]] ?? []
        XCTAssertEqual(failures.compactMap { $0["sessions"] as? Int }.reduce(0, +), 80, "\(failures)")
    }

    /// Ingest into PostgreSQL has two batches on the server at once (each on its own
    /// connection): 4,602 inputs make three batches, and every input is still told once, in
    /// input order, exactly as the SQLite store (one batch at a time) tells them.
    func testBatchesInFlightTogetherAreToldInInputOrderAsSQLiteTellsThem() throws {
        let cluster = try PostgresCluster()
        defer { cluster.stop() }
        let folder = try TemporaryFolder()
        let inputs = folder.file("in")
        try FileManager.default.createDirectory(atPath: inputs, withIntermediateDirectories: true)
        for number in 0..<4_600 {
            let report = ReportsIdentityTests.report(
                organization: "Site \(number % 3)", id: "run-\(number)", successful: number)
            try Data(report.utf8).write(to: URL(fileURLWithPath: inputs + "/r\(number + 10_000).json"))
        }
        // A repeat in the third batch of the first batch's report, and a non-report in the second.
        try FileManager.default.copyItem(atPath: inputs + "/r10005.json", toPath: inputs + "/r14500-again.json")
        try Data("Buy now!\n".utf8).write(to: URL(fileURLWithPath: inputs + "/r12500-spam.json"))
        var told: [String: [Substring]] = [:]
        for db in [folder.file("r.sqlite"), cluster.url()] {
            let result = try Danectl.run(["reports", "ingest", "--db", db, inputs])
            XCTAssertEqual(result.status, 65, "the spam is kept aside: " + result.stderr)
            let lines = result.stdout.split(separator: "\n")
            XCTAssertTrue(
                lines.last?.hasPrefix("4600 stored, 1 already stored, 1 kept aside") == true,
                "\(db): \(lines.last ?? "")")
            told[db] = lines.dropLast()
            let summary = try summaryJSON(db)
            let tlsa = (summary["policies"] as? [[String: Any]])?.first
            XCTAssertEqual(tlsa?["successful_sessions"] as? Int, (0..<4_600).reduce(0, +), "\(db): each counted once")
            XCTAssertEqual(tlsa?["reports"] as? Int, 4_600)
        }
        let fromPostgres = told[cluster.url()] ?? [], fromSQLite = told[folder.file("r.sqlite")] ?? []
        XCTAssertEqual(fromPostgres.count, 4_601, "each report told once")
        XCTAssertTrue(fromPostgres == fromSQLite, "the same outcomes in the same order from both stores")
        let again = fromPostgres.first { $0.contains("r14500-again.json") }
        XCTAssertTrue(again?.hasPrefix("duplicate") == true, "the repeat in the third batch: \(again ?? "")")
        XCTAssertEqual(try cluster.psql("SELECT COUNT(*) FROM report"), "4600")
        // A bulk load leaves the summary's tables analysed and vacuumed, not waiting for autovacuum.
        XCTAssertEqual(
            try cluster.psql(
                "SELECT COUNT(*) FROM pg_stat_user_tables WHERE relname IN ('daily_policy', 'daily_failure') "
                    + "AND last_analyze IS NOT NULL AND last_vacuum IS NOT NULL"), "2")
    }

    /// A database that is down is a fault that passes: the MTA must retry, not bounce.
    func testAnUnreachableDatabaseDefers() throws {
        let result = try Processes.run(
            Danectl.path, ["reports", "ingest", "--db", "postgres://danectl:secret@127.0.0.1:1/none", "-"],
            stdin: Data(ReportsIdentityTests.report().utf8))
        XCTAssertEqual(result.status, 75, result.stderr)
        XCTAssertTrue(
            result.stderr.contains("postgres://danectl:***@127.0.0.1:1/none"),
            "named, without its password: " + result.stderr)
        XCTAssertFalse(result.stderr.contains("secret"), result.stderr)
        let byFile = try Danectl.run(["reports", "summary", "--db", "postgres://127.0.0.1:1/none"])
        XCTAssertEqual(byFile.status, 75, byFile.stderr)
        XCTAssertEqual(byFile.stderr.split(separator: "\n").count, 1, "one line: " + byFile.stderr)
    }
}
