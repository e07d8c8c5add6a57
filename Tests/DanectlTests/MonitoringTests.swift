import DaneModel
import DaneOutput
import Foundation
import XCTest

/// contrib/prometheus's alerting rules, checked and unit-tested by Prometheus's own promtool,
/// and the Grafana dashboard: every metric they read is one danectl writes, and the panels are
/// the ones README names.
final class MonitoringTests: XCTestCase {
    let rules = Repository.path("contrib/prometheus/danectl.rules.yml")

    func testPromtoolChecksAndTestsTheRules() throws {
        let check = try Processes.run("promtool", ["check", "rules", rules])
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        XCTAssertTrue(check.stdout.contains("SUCCESS: 7 rules found"), check.stdout)
        let test = try Processes.run(
            "promtool", ["test", "rules", Repository.path("contrib/prometheus/danectl.rules.test.yml")])
        XCTAssertEqual(test.status, 0, test.stdout + test.stderr)
        XCTAssertTrue(test.stdout.contains("SUCCESS"), test.stdout)
    }

    func testEveryMetricTheRulesAndDashboardReadIsOneDanectlWrites() throws {
        let written =
            VerifyPrometheus.render([], now: Date())
            + ReportSummaryRendering.prometheus(ReportSummary(since: nil, domain: nil, policies: [], rejectedInputs: 0))
        let families = Set(
            written.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map {
                String($0.split(separator: " ")[2])
            })
        let dashboard = Repository.path("contrib/grafana/danectl-dashboard.json")
        for file in [rules, dashboard] {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let read = Set(text.matches(of: /danectl_[a-z_]+/).map { String($0.output) })
            XCTAssertFalse(read.isEmpty, file)
            XCTAssertTrue(
                read.isSubset(of: families),
                "\(file) reads metrics danectl does not write: \(read.subtracting(families).sorted())")
        }
    }

    func testTheDashboardIsValidJSONWithThePanelsREADMENames() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repository.path("contrib/grafana/danectl-dashboard.json")))
        let dashboard = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let titles = (dashboard["panels"] as? [[String: Any]] ?? []).compactMap { $0["title"] as? String }
        XCTAssertEqual(titles.count, 10)
        let readme = try String(contentsOfFile: Repository.path("README.md"), encoding: .utf8)
        for title in titles {
            XCTAssertTrue(readme.contains("\"\(title)\""), "README does not name the panel \"\(title)\"")
        }
    }

    /// contrib/systemd's units pass systemd's own checks (with the built binary standing in for
    /// /usr/bin/danectl); the pending-deploy and verify services treat verdicts as results.
    func testSystemdUnitsVerify() throws {
        let folder = try TemporaryFolder()
        let units = Repository.path("contrib/systemd")
        for name in try FileManager.default.contentsOfDirectory(atPath: units).sorted() {
            let text = try String(contentsOfFile: units + "/" + name, encoding: .utf8).replacingOccurrences(
                of: "/usr/bin/danectl", with: Danectl.path)
            let copy = try folder.write(name, text)
            let check = try Processes.run("systemd-analyze", ["verify", "--man=no", copy])
            XCTAssertEqual(check.status, 0, "\(name): \(check.stdout)\(check.stderr)")
            XCTAssertEqual(check.stderr.trimmingCharacters(in: .whitespacesAndNewlines), "", "\(name): \(check.stderr)")
        }
        let pending = try String(contentsOfFile: units + "/danectl-deploy-pending.service", encoding: .utf8)
        XCTAssertTrue(pending.contains("--pending") && pending.contains("SuccessExitStatus=75"))
        XCTAssertTrue(
            try String(contentsOfFile: units + "/danectl-verify.service", encoding: .utf8).contains(
                "SuccessExitStatus=1 2 3"))
    }
}
