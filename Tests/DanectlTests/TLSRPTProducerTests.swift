import Foundation
import XCTest

/// Issue 21's yardstick: the software that really produces reports. Two Postfix sending sites
/// run sys4's tlsrpt-reporter (collectd fed over its socket, reportd delivering the next day);
/// every session fed must be counted exactly once in `reports summary`, whether the reports
/// arrive as files (each report twice, and its e-mail too), as e-mails through the pipe, or as
/// POSTs to `reports serve`. The two sites send the same report-id for the same day.
final class TLSRPTProducerTests: XCTestCase {
    func totals(_ db: String) throws -> [String: [Int]] {
        let description = Repository.path("Examples/example.com/domain.yaml")
        let result = try Danectl.run([
            "reports", "summary", "--db", db, "--format", "json", "--description", description,
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        var found: [String: [Int]] = [:]
        for policy in document["policies"] as? [[String: Any]] ?? [] {
            let key = "\(policy["domain"] as? String ?? "")|\(policy["policy_type"] as? String ?? "")"
            found[key] = [policy["successful_sessions"] as? Int ?? -1, policy["failed_sessions"] as? Int ?? -1]
        }
        return found
    }

    func testEverySessionFromTwoPostfixSitesIsCountedOnceByFileMailAndPOST() throws {
        let venv = (ProcessInfo.processInfo.environment["DANECTL_TEST_VENV"] ?? Repository.path(".venv-test")) + "/bin"
        guard FileManager.default.isExecutableFile(atPath: venv + "/tlsrpt-reportd") else {
            XCTFail("tlsrpt-reporter is not installed in \(venv): run scripts/install-deps")
            return
        }
        let folder = try TemporaryFolder()
        let server = try ServeProcess(["--db", folder.file("post.sqlite")], in: folder)
        let run = try Processes.run(
            "python3",
            [
                Repository.path("Tests/lab/tlsrpt-sites.py"), venv, folder.path, Danectl.path,
                folder.file("mail.sqlite"), "http://127.0.0.1:\(server.port)/tlsrpt",
            ])
        XCTAssertEqual(run.status, 0, run.stderr)
        // The lab owns its daemons: none of this run's collectd, reportd or fetchers outlives it.
        let survivors = try Processes.run("pgrep", ["-f", "tlsrpt-(collectd|reportd|fetcher).*\(folder.path)"])
        XCTAssertEqual(survivors.stdout, "", "processes of this lab still running")
        let fed = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: [Int]], run.stdout)
        XCTAssertEqual(fed["example.com|tlsa"], [1000, 5], "the script fed what it says")
        XCTAssertEqual(server.stop(), 0)

        // By file: every copy reportd wrote (the JSON once per destination, and the e-mail).
        let files = folder.file("files.sqlite")
        let ingested = try Danectl.run([
            "reports", "ingest", "--db", files, folder.file("site0/files"), folder.file("site1/files"),
        ])
        XCTAssertEqual(ingested.status, 0, ingested.stderr)
        XCTAssertTrue(ingested.stdout.contains("3 stored, 6 already stored, 0 kept aside"), ingested.stdout)

        for (way, db) in [("file", files), ("mail", folder.file("mail.sqlite")), ("POST", folder.file("post.sqlite"))] {
            let found = try totals(db)
            XCTAssertEqual(found, fed, "\(way): every session fed, counted once, under the described domain")
        }
        XCTAssertEqual(server.lines.components(separatedBy: "\"POST /tlsrpt\" 201").count - 1, 3, server.lines)
    }
}
