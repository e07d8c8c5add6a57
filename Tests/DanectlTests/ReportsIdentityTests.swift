import Foundation
import XCTest

/// Issue 21 and hardening round 2: what real senders send is never lost or double-counted.
/// A report's identity is organisation + report-id + date range; a policy without a domain is
/// kept; the pipe never bounces; the store is private and never its own input.
final class ReportsIdentityTests: XCTestCase {
    /// A report as Postfix's tlsrpt-reporter writes one: the id from the day and the domain.
    static func report(
        organization: String = "Example Hosting, Inc.", id: String = "2026-11-27T00:00:00Z_idx1_example.com",
        domain: String = "example.com", successful: Int = 750, failed: Int = 0, extraPolicies: String = ""
    ) -> String {
        """
        {"organization-name": "\(organization)", "date-range": {"start-datetime": "2026-11-27T00:00:00Z", "end-datetime": "2026-11-27T23:59:59Z"},
         "contact-info": "postmaster@sender.example", "report-id": "\(id)",
         "policies": [{"policy": {"policy-type": "tlsa", "policy-string": ["3 1 1 abcd"], "policy-domain": "\(domain)", "mx-host": ["mx.\(domain)"]},
                       "summary": {"total-successful-session-count": \(successful), "total-failure-session-count": \(failed)}}\(extraPolicies)]}
        """
    }

    func ingest(_ db: String, _ arguments: [String], stdin: Data? = nil) throws -> ProcessResult {
        try Processes.run(Danectl.path, ["reports", "ingest", "--db", db] + arguments, stdin: stdin)
    }

    func summary(_ db: String, _ extra: [String] = []) throws -> [[String: Any]] {
        let result = try Danectl.run(["reports", "summary", "--db", db, "--format", "json"] + extra)
        XCTAssertEqual(result.status, 0, result.stderr)
        try SchemaCheck.assertValid(result.stdout, "reports-summary", "reports summary \(extra)")
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return document["policies"] as? [[String: Any]] ?? []
    }

    func sessions(_ policies: [[String: Any]], _ domain: String, _ type: String = "tlsa") -> Int? {
        policies.first { $0["domain"] as? String == domain && $0["policy_type"] as? String == type }?[
            "successful_sessions"] as? Int
    }

    /// Issue 21: a summary's size does not grow with the spread of receiving addresses. A
    /// failure group lists its five busiest addresses and counts the rest; sessions stay exact.
    func testAFailureGroupListsItsBusiestAddressesAndCountsTheRest() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("r.sqlite")
        let details = (1...12).map { n in
            #"{"result-type": "certificate-expired", "receiving-mx-hostname": "mx.example.com", "#
                + #""receiving-ip": "192.0.2.\#(n)", "failed-session-count": \#(n)}"#
        }.joined(separator: ", ")
        let report = Self.report(failed: 78).replacingOccurrences(
            of: #""total-failure-session-count": 78}"#,
            with: #""total-failure-session-count": 78}, "failure-details": ["# + details + "]")
        let file = try folder.write("spread.json", report)
        XCTAssertEqual(try ingest(db, [file]).status, 0)
        let failures = try XCTUnwrap(try summary(db).first?["failures"] as? [[String: Any]])
        XCTAssertEqual(failures.count, 1, "one group: one MX host, one result type")
        XCTAssertEqual(failures[0]["sessions"] as? Int, 78, "every failed session counted")
        XCTAssertEqual(failures[0]["receiving_ip_count"] as? Int, 12)
        let listed = try XCTUnwrap(failures[0]["receiving_ips"] as? [[String: Any]])
        XCTAssertEqual(
            listed.compactMap { $0["ip"] as? String }, (8...12).reversed().map { "192.0.2.\($0)" }, "busiest first")
        XCTAssertEqual(listed.compactMap { $0["sessions"] as? Int }, [12, 11, 10, 9, 8])
        XCTAssertNil(failures[0]["receiving_ip"], "several addresses: no single one")
        let text = try Danectl.run(["reports", "summary", "--db", db])
        XCTAssertTrue(
            text.stdout.contains("192.0.2.12 (12), 192.0.2.11 (11)") && text.stdout.contains("and 7 more addresses"),
            text.stdout)
    }

    func testTheSameReportIDFromTwoOrganisationsIsTwoReports() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("r.sqlite")
        let one = try folder.write("site1.json", Self.report(organization: "Example Hosting, Inc.", successful: 750))
        let two = try folder.write("site2.json", Self.report(organization: "Other Site", successful: 250))
        let result = try ingest(db, [one, two])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("2 stored, 0 already stored"), result.stdout)
        let policies = try summary(db)
        XCTAssertEqual(sessions(policies, "example.com"), 1000, "every session of both sites counted once")
        XCTAssertEqual(
            policies.first?["organizations"] as? [String], ["Example Hosting, Inc.", "Other Site"], "names kept whole")
        XCTAssertEqual(policies.first?["reports"] as? Int, 2)
    }

    func testAReSentReportIsADuplicateAndAChangedOneIsKeptAsideNeverDropped() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("r.sqlite")
        let first = try folder.write("first.json", Self.report(successful: 27))
        // The same report, other whitespace: a duplicate, not a conflict.
        let again = try folder.write(
            "again.json", Self.report(successful: 27).replacingOccurrences(of: "\n", with: " "))
        let forged = try folder.write("forged.json", Self.report(successful: 999_999))
        XCTAssertEqual(try ingest(db, [first]).status, 0)
        let resent = try ingest(db, [again])
        XCTAssertEqual(resent.status, 0, resent.stderr)
        XCTAssertTrue(resent.stdout.contains("0 stored, 1 already stored"), resent.stdout)
        let conflict = try ingest(db, [forged])
        XCTAssertEqual(conflict.status, 65, "kept aside from a file is bad data: \(conflict.stderr)")
        XCTAssertTrue(conflict.stderr.contains("with other content: kept aside for review"), conflict.stderr)
        XCTAssertEqual(sessions(try summary(db), "example.com"), 27, "the stored report is untouched")
        let listed = try Danectl.run(["reports", "rejected", "--db", db])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        XCTAssertTrue(listed.stdout.contains("forged.json"), listed.stdout)
        let shown = try Danectl.run(["reports", "rejected", "--db", db, "--show", "1"])
        XCTAssertTrue(shown.stdout.contains("999999"), "the kept input is whole: \(shown.stdout)")
        // From a pipe the same conflict is 0: an MTA would bounce a 65 to a forged sender.
        let piped = try ingest(db, ["-"], stdin: Data(Self.report(successful: 5).utf8))
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(
            try Danectl.run(["reports", "rejected", "--db", db]).stdout.components(separatedBy: "standard input").count,
            2)
    }

    func testNoPolicyFoundWithoutADomainIsStoredBesideTheDANEPolicy() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("r.sqlite")
        let noPolicy = """
            , {"policy": {"policy-type": "no-policy-found"}, "summary": {"total-successful-session-count": 12, "total-failure-session-count": 0},
               "failure-details": [{"result-type": "validation-failure", "receiving-mx-hostname": "mx.other.example", "failed-session-count": 0}]}
            """
        let file = try folder.write("postfix.json", Self.report(successful: 750, extraPolicies: noPolicy))
        let result = try ingest(db, [file])
        XCTAssertEqual(result.status, 0, result.stderr)
        let policies = try summary(db)
        XCTAssertEqual(sessions(policies, "example.com"), 750, "the DANE policy of the same report is not lost")
        XCTAssertEqual(
            sessions(policies, "example.com", "no-policy-found"), 12, "filed under the domain the report is about")
        // Alone in a report, it is filed under the MX host it names.
        let alone =
            #"{"organization-name": "X", "date-range": {"start-datetime": "2026-11-27T00:00:00Z", "end-datetime": "2026-11-27T23:59:59Z"}, "contact-info": "x", "report-id": "n1", "policies": [{"policy": {"policy-type": "no-policy-found"}, "summary": {"total-successful-session-count": 3, "total-failure-session-count": 1}, "failure-details": [{"result-type": "validation-failure", "receiving-mx-hostname": "mx.other.example", "failed-session-count": 1}]}]}"#
        XCTAssertEqual(try ingest(db, [try folder.write("alone.json", alone)]).status, 0)
        XCTAssertEqual(sessions(try summary(db), "mx.other.example", "no-policy-found"), 3)
        // Another type without a domain is still malformed.
        let bad = try folder.write(
            "bad.json", Self.report().replacingOccurrences(of: #""policy-domain": "example.com", "#, with: ""))
        XCTAssertEqual(try ingest(db, [bad]).status, 65)
    }

    func testPoliciesFiledUnderAnMXHostCountForTheDescribedDomain() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("r.sqlite")
        // Postfix files DANE policies under the MX host name.
        let file = try folder.write(
            "mx.json", Self.report(id: "x_idx1_mx1.example.com", domain: "mx1.example.com", successful: 40))
        XCTAssertEqual(try ingest(db, [file]).status, 0)
        let description = Repository.path("Examples/example.com/domain.yaml")
        XCTAssertNil(sessions(try summary(db, ["--domain", "example.com"]), "example.com"))
        let attributed = try summary(db, ["--domain", "example.com", "--description", description])
        XCTAssertEqual(sessions(attributed, "example.com"), 40, "\(attributed)")
    }

    func testThePipeNeverBouncesAndReadsPostfixLocalDelivery() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("r.sqlite")
        let spam = Data("From: someone@spam.example\nSubject: buy now\n\nhello\n".utf8)
        let kept = try ingest(db, ["-"], stdin: spam)
        XCTAssertEqual(kept.status, 0, "a non-report from the pipe is kept aside, not bounced: \(kept.stderr)")
        XCTAssertTrue(kept.stdout.contains("1 kept aside"), kept.stdout)
        // local(8) puts an mbox "From sender time" line before the message.
        let mail = try Data(contentsOf: URL(fileURLWithPath: Repository.path("Tests/Fixtures/tlsrpt/google-mail.eml")))
        let delivered = try ingest(db, ["-"], stdin: Data("From MAILER-DAEMON  Sun Dec  6 04:46:19 2026\n".utf8) + mail)
        XCTAssertEqual(delivered.status, 0, delivered.stderr)
        XCTAssertTrue(delivered.stdout.contains("1 stored"), delivered.stdout)
    }

    func testABusyStoreDefersThePipeInsteadOfBouncing() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("r.sqlite")
        XCTAssertEqual(try ingest(db, [try folder.write("a.json", Self.report())]).status, 0)
        // Another writer holds the store for longer than the 10 s busy timeout.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = [
            "python3", "-c",
            "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN EXCLUSIVE'); print('held', flush=True); time.sleep(14)",
            db,
        ]
        let out = Pipe()
        holder.standardOutput = out
        try holder.run()
        defer { holder.terminate() }
        _ = out.fileHandleForReading.availableData
        let busy = try ingest(db, ["-"], stdin: Data(Self.report(organization: "Third").utf8))
        XCTAssertEqual(busy.status, 75, "transient: the MTA keeps the message and retries: \(busy.stderr)")
    }

    func testTheStoreIsPrivateAndNeverItsOwnInput() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("r.sqlite")
        try folder.write("a.json", Self.report())
        XCTAssertEqual(try ingest(db, [folder.file("a.json")]).status, 0)
        let mode = try FileManager.default.attributesOfItem(atPath: db)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        let again = try ingest(db, [folder.path])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("0 stored, 1 already stored, 0 kept aside"), again.stdout)
        XCTAssertTrue(again.stderr.contains("the report store's own file"), again.stderr)
    }

    func testMaildirLinksAndFIFOsAreNotRead() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("r.sqlite")
        let secret = try folder.write("secret.txt", "TOP-SECRET-CONTENT\n")
        for sub in ["new", "cur", "tmp"] {
            try FileManager.default.createDirectory(
                atPath: folder.file("Maildir/\(sub)"), withIntermediateDirectories: true)
        }
        try FileManager.default.createSymbolicLink(
            atPath: folder.file("Maildir/new/1.link"), withDestinationPath: secret)
        XCTAssertEqual(mkfifo(folder.file("Maildir/new/2.fifo"), 0o644), 0)
        try folder.write("Maildir/new/3.json", Self.report())
        let result = try ingest(db, [folder.file("Maildir")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("1 stored, 0 already stored, 0 kept aside"), result.stdout)
        XCTAssertTrue(result.stderr.contains("1.link: a symbolic link (not followed): not read"), result.stderr)
        XCTAssertTrue(result.stderr.contains("2.fifo: a FIFO: not read"), result.stderr)
        let stored =
            try Data(contentsOf: URL(fileURLWithPath: db))
            + ((try? Data(contentsOf: URL(fileURLWithPath: db + "-wal"))) ?? Data())
        XCTAssertNil(stored.range(of: Data("TOP-SECRET".utf8)), "the link's target never reaches the store")
        // A FIFO named on the command line is refused at once, not waited on.
        let named = try ingest(db, [folder.file("Maildir/new/2.fifo")])
        XCTAssertEqual(named.status, 66, named.stderr)
        XCTAssertTrue(named.stderr.contains("a FIFO, not a regular file"), named.stderr)
    }

    func testTheExpansionCeilingHoldsForAWholeMessage() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("r.sqlite")
        // Three gzip parts of 6 MiB each under a 16 MiB ceiling: 18 MiB for one input.
        let script = """
            import base64, gzip, sys
            part = base64.encodebytes(gzip.compress(b' ' * (6 << 20))).decode()
            body = ''.join(f'--b\\nContent-Type: application/tlsrpt+gzip\\nContent-Transfer-Encoding: base64\\n\\n{part}\\n' for _ in range(3))
            sys.stdout.write('From: x@y\\nContent-Type: multipart/report; report-type=tlsrpt; boundary="b"\\n\\n' + body + '--b--\\n')
            """
        let made = try Processes.run("python3", ["-c", script])
        let mail = try folder.write("bomb.eml", made.stdout)
        let result = try ingest(db, ["--max-expanded", "16", mail])
        XCTAssertEqual(result.status, 65, result.stderr)
        XCTAssertTrue(result.stderr.contains("past the 16777216-byte limit for one input"), result.stderr)
    }

    func testAbsurdCountsNULAndByteOrderMarks() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("r.sqlite")
        let huge = try folder.write("huge.json", Self.report(organization: "A", successful: 4_611_686_018_427_387_904))
        let nul = try folder.write("nul.json", Self.report(organization: "B\\u0000C"))
        let result = try ingest(db, [huge, nul])
        XCTAssertEqual(result.status, 65)
        XCTAssertTrue(result.stderr.contains("session count over 1099511627776"), result.stderr)
        XCTAssertTrue(result.stderr.contains("organization-name holds a NUL character"), result.stderr)
        // Large but allowed counts from many reports sum without trapping.
        let big = (0..<3).map {
            try? folder.write("big\($0).json", Self.report(organization: "Org \($0)", successful: 1 << 40))
        }.compactMap { $0 }
        XCTAssertEqual(try ingest(db, big).status, 0)
        XCTAssertEqual(sessions(try summary(db), "example.com"), 3 << 40)
        // A UTF-8 byte order mark, and UTF-16 with its mark, are the same report.
        let bom = folder.file("bom.json")
        try (Data([0xEF, 0xBB, 0xBF]) + Data(Self.report(organization: "BOM").utf8)).write(
            to: URL(fileURLWithPath: bom))
        let utf16 = folder.file("utf16.json")
        try XCTUnwrap(Self.report(organization: "Wide").data(using: .utf16)).write(to: URL(fileURLWithPath: utf16))
        let marked = try ingest(db, [bom, utf16])
        XCTAssertEqual(marked.status, 0, marked.stderr)
        XCTAssertTrue(marked.stdout.contains("2 stored"), marked.stdout)
    }

    func testSummaryFailsOnWhatItIsToldAndWritesFiles() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("r.sqlite")
        XCTAssertEqual(try ingest(db, [Repository.path("Tests/Fixtures/tlsrpt/rfc8460-example.json")]).status, 0)
        XCTAssertEqual(
            try Danectl.run(["reports", "summary", "--db", db, "--fail-on", "certificate-expired"]).status, 1)
        XCTAssertEqual(try Danectl.run(["reports", "summary", "--db", db, "--fail-on", "any"]).status, 1)
        XCTAssertEqual(try Danectl.run(["reports", "summary", "--db", db, "--fail-on", "dnssec-invalid"]).status, 0)
        XCTAssertEqual(try Danectl.run(["reports", "summary", "--db", db, "--fail-on", "nonsense"]).status, 64)
        let output = folder.file("tlsrpt.prom")
        let written = try Danectl.run(["reports", "summary", "--db", db, "--format", "prometheus", "--output", output])
        XCTAssertEqual(written.status, 0, written.stderr)
        XCTAssertEqual(written.stdout, "")
        XCTAssertTrue(try String(contentsOfFile: output, encoding: .utf8).contains("danectl_tlsrpt_sessions_total"))
    }

    /// A store made by the first schema (reports keyed by report-id alone) is carried over whole.
    func testAVersionOneStoreIsMigratedWithEveryReport() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("v1.sqlite")
        let script = """
            import sqlite3, sys
            c = sqlite3.connect(sys.argv[1])
            c.executescript('''
            CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
            INSERT INTO grdb_migrations VALUES ('1: reports, policies, failures, rejected inputs');
            CREATE TABLE report (report_id TEXT PRIMARY KEY, organization TEXT NOT NULL, contact TEXT NOT NULL, start_at REAL NOT NULL, end_at REAL NOT NULL, received_at REAL NOT NULL, source TEXT NOT NULL, json BLOB NOT NULL);
            CREATE TABLE policy (report_id TEXT NOT NULL REFERENCES report(report_id) ON DELETE CASCADE, position INTEGER NOT NULL, policy_type TEXT NOT NULL, policy_domain TEXT NOT NULL, policy_string TEXT NOT NULL, mx_host TEXT NOT NULL, successful INTEGER NOT NULL, failed INTEGER NOT NULL, PRIMARY KEY (report_id, position));
            CREATE INDEX policy_domain ON policy(policy_domain);
            CREATE TABLE failure (report_id TEXT NOT NULL, position INTEGER NOT NULL, result_type TEXT NOT NULL, sending_mta_ip TEXT, receiving_mx_hostname TEXT, receiving_mx_helo TEXT, receiving_ip TEXT, failed_sessions INTEGER NOT NULL, additional_information TEXT, failure_reason_code TEXT, FOREIGN KEY (report_id, position) REFERENCES policy(report_id, position) ON DELETE CASCADE);
            CREATE INDEX failure_policy ON failure(report_id, position);
            CREATE INDEX report_end ON report(end_at);
            CREATE TABLE rejected (id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, reason TEXT NOT NULL, received_at REAL NOT NULL, content BLOB NOT NULL);
            INSERT INTO report VALUES ('r1', 'Org', 'c', 1764201600, 1764287999, 1764300000, 'old', '{}');
            INSERT INTO policy VALUES ('r1', 0, 'tlsa', 'example.com', '', 'mx.example.com', 90, 10);
            INSERT INTO failure VALUES ('r1', 0, 'tlsa-invalid', NULL, 'mx.example.com', NULL, '192.0.2.1', 10, NULL, NULL);
            ''')
            c.commit()
            """
        XCTAssertEqual(try Processes.run("python3", ["-c", script, db]).status, 0)
        let policies = try summary(db)
        XCTAssertEqual(sessions(policies, "example.com"), 90)
        let failures = policies.first?["failures"] as? [[String: Any]]
        XCTAssertEqual(failures?.first?["sessions"] as? Int, 10)
        XCTAssertEqual(failures?.first?["receiving_ip"] as? String, "192.0.2.1")
    }

    /// Stores made before danectl owned its SQLite access (GRDB wrote this fixture: all five
    /// migrations, one report, one input kept aside) read the same and take new reports,
    /// without any migration running again.
    func testAStoreMadeByEarlierReleasesCarriesOn() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("old.sqlite")
        try FileManager.default.copyItem(atPath: Repository.path("Tests/Fixtures/store/grdb-v5.sqlite"), toPath: db)
        let example = Repository.path("Tests/Fixtures/tlsrpt/rfc8460-example.json")
        let sent = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: example))) as? [String: Any])
        let summaries = try XCTUnwrap(sent["policies"] as? [[String: Any]]).compactMap {
            $0["summary"] as? [String: Any]
        }
        let successful = summaries.compactMap { $0["total-successful-session-count"] as? Int }.reduce(0, +)
        let failed = summaries.compactMap { $0["total-failure-session-count"] as? Int }.reduce(0, +)
        let before = try summary(db)
        XCTAssertEqual(before.compactMap { $0["successful_sessions"] as? Int }.reduce(0, +), successful)
        XCTAssertEqual(before.compactMap { $0["failed_sessions"] as? Int }.reduce(0, +), failed)
        let rejected = try Danectl.run(["reports", "rejected", "--db", db, "--show", "1"])
        XCTAssertEqual(rejected.status, 0, rejected.stderr)
        XCTAssertEqual(rejected.stdout, "{\"not\": \"a report\"\n")
        // The same report again is recognised by the identity GRDB stored; a new one is kept.
        let again = try ingest(db, [example])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("0 stored, 1 already stored"), again.stdout)
        let other = try folder.write("other.json", Self.report(organization: "Newer Org", successful: 7))
        XCTAssertEqual(try ingest(db, [other]).status, 0)
        XCTAssertEqual(sessions(try summary(db), "example.com"), 7)
        let migrations = try Processes.run(
            "python3",
            [
                "-c",
                "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from grdb_migrations').fetchone()[0])",
                db,
            ])
        XCTAssertEqual(migrations.stdout, "5\n", "no migration recorded twice or lost")
    }

    /// Hardening m11: Prometheus labels from strangers are bounded: 128 characters, no control
    /// characters, at most 100 failure series per domain and policy (then one "other" series),
    /// result types outside RFC 8460 as "other"; the text still parses and sums stay exact.
    func testPrometheusLabelsFromReportsAreBounded() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("r.sqlite")
        let long = String(repeating: "x", count: 500) + "\\u001b[31m"
        let details = (0..<300).map {
            #"{"result-type": "\#($0 == 0 ? "made-up-type" : "tlsa-invalid")", "receiving-mx-hostname": "\#($0 == 1 ? long : "mx.example.com")", "receiving-ip": "192.0.2.\#($0 % 250)", "failed-session-count": \#($0 + 1)}"#
        }
        let report = Self.report(successful: 1, failed: 45150).replacingOccurrences(
            of: #""total-failure-session-count": 45150}}"#,
            with: #""total-failure-session-count": 45150}, "failure-details": ["# + details.joined(separator: ", ")
                + "]}")
        XCTAssertEqual(try ingest(db, [try folder.write("many.json", report)]).status, 0)
        let output = folder.file("r.prom")
        XCTAssertEqual(
            try Danectl.run(["reports", "summary", "--db", db, "--format", "prometheus", "--output", output]).status, 0)
        let samples = try PrometheusCheck.samples(output)
        let failed = samples.filter { $0.hasPrefix("danectl_tlsrpt_failed_sessions_total") }
        XCTAssertLessThanOrEqual(failed.count, 103, "\(failed.count) series")
        XCTAssertTrue(failed.contains { $0.contains("result_type=other") }, "an unknown result type is other")
        let text = try String(contentsOfFile: output, encoding: .utf8)
        XCTAssertFalse(text.contains("\u{1b}"), "no control characters reach the file")
        XCTAssertFalse(text.contains(String(repeating: "x", count: 129)), "labels are at most 128 characters")
        let total = failed.compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
        XCTAssertEqual(total, (1...300).reduce(0, +), "every failed session is still counted")
    }

    /// Hardening m2: escape sequences and bidirectional overrides from reports reach the
    /// terminal as visible escapes, in the summary and the rejected list.
    func testTerminalEscapesAndBidiOverridesFromReportsAreShownEscaped() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("r.sqlite")
        let hostile = Self.report(organization: "Evil \\u001b[2J\\u202Emoc.elpmaxe Corp")
        XCTAssertEqual(try ingest(db, [try folder.write("evil.json", hostile)]).status, 0)
        let text = try Danectl.run(["reports", "summary", "--db", db])
        XCTAssertFalse(text.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x202E }, text.stdout)
        XCTAssertTrue(text.stdout.contains("Evil \\u{1B}[2J\\u{202E}moc.elpmaxe Corp"), text.stdout)
    }

    /// Hardening M4: the MIME reader walks lines as ranges: 30 MiB of two-byte lines (15 million
    /// lines) is read in bounded memory (it took about 2 GB when each line was copied twice).
    func testMillionsOfShortLinesAreReadInBoundedMemory() throws {
        let folder = try TemporaryFolder()
        let mail = folder.file("short-lines.eml")
        let made = try Processes.run(
            "python3",
            [
                "-c",
                """
                import sys
                body = b'x\\n' * (15 * 1024 * 1024)
                open(sys.argv[1], 'wb').write(b'From: a@b\\nContent-Type: multipart/report; report-type=tlsrpt; boundary="b"\\n\\n--b\\nContent-Type: text/plain\\n\\n' + body + b'--b--\\n')
                """, mail,
            ])
        XCTAssertEqual(made.status, 0, made.stderr)
        let measured = try Processes.run(
            "/usr/bin/time",
            [
                "-f", "peak %M KiB", Danectl.path, "reports", "ingest", "--db", folder.file("r.sqlite"), "--max-input",
                "64", mail,
            ])
        XCTAssertEqual(measured.status, 65, "no report part: kept aside \(measured.stderr)")
        let peak = try XCTUnwrap(
            measured.stderr.split(separator: "\n").last { $0.hasPrefix("peak ") }.flatMap {
                Int($0.split(separator: " ")[1])
            })
        XCTAssertLessThan(peak, 400 * 1024, "peak \(peak) KiB for a 30 MiB message")
    }
}
