import DaneFeatures
import Foundation
import ReportStore
import XCTest

/// `reports ingest` over several batches: the next batch is parsed while the previous one is
/// being stored, and still every input is told once, in input order, after its commit.
final class ReportsIngestRunTests: XCTestCase {
    struct Unreadable: Error, CustomStringConvertible { var description: String { "permission denied" } }

    static func report(_ number: Int) -> Data {
        Data(
            """
            {"organization-name": "Example Hosting, Inc.", "contact-info": "tlsrpt@example.org",
             "report-id": "run-\(number)",
             "date-range": {"start-datetime": "2026-11-01T00:00:00Z", "end-datetime": "2026-11-01T23:59:59Z"},
             "policies": [{"policy": {"policy-type": "tlsa", "policy-domain": "example.com"},
               "summary": {"total-successful-session-count": 3, "total-failure-session-count": 1},
               "failure-details": [{"result-type": "certificate-expired", "receiving-ip": "192.0.2.\(number % 250)",
                 "receiving-mx-hostname": "mx.example.com", "failed-session-count": 1}]}]}
            """.utf8)
    }

    func testEveryInputOfSeveralBatchesIsToldOnceInOrderAfterItsCommit() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try ReportStore(path: folder.appendingPathComponent("r.sqlite").path)
        let ingest = ReportIngest(store: store, clock: FixedClock(Date(timeIntervalSince1970: 1_796_515_200)))

        // 1,203 inputs: three batches and a bit; one unreadable, one a repeat, one not a report.
        let inputs = (0..<1_203).map { index in
            ReportInputs.Input(source: "input-\(index)", isStandardInput: false) {
                switch index {
                case 700: throw Unreadable()
                case 1_000: return Self.report(10)
                case 1_100: return Data("Buy cheap watches".utf8)
                default: return Self.report(index)
                }
            }
        }
        var told: [String] = []
        var storedTold = 0
        let tally = ReportsIngestRun.run(inputs, skipped: [], ingest: ingest, batchSize: 500) { event in
            switch event {
            case .outcome(let source, let outcome):
                told.append(source)
                if case .stored = outcome { storedTold += 1 }
            case .unreadable(let source, _): told.append(source)
            case .skipped(let skipped): XCTFail("nothing is skipped: \(skipped)")
            }
        }
        XCTAssertNil(tally.storeFailure)
        XCTAssertEqual(
            [tally.stored, tally.duplicates, tally.keptAside, tally.unreadable, tally.conflicting], [1_200, 1, 1, 1, 0])
        XCTAssertEqual(storedTold, 1_200)
        // Each input told once; outcomes in input order (an unreadable input is told when its
        // batch is handed to the store, before that batch's outcomes).
        XCTAssertEqual(told.count, inputs.count)
        XCTAssertEqual(Set(told).count, inputs.count)
        let outcomes = told.filter { $0 != "input-700" }
        XCTAssertTrue(outcomes == inputs.map { $0.source }.filter { $0 != "input-700" }, "outcomes in input order")
        XCTAssertEqual(told.firstIndex(of: "input-700"), 500, "told after the first batch's outcomes")
        // What was told as stored is in the store: every session counted once.
        let summary = try store.summary(since: nil, domain: "example.com")
        XCTAssertEqual(summary.policies.first?.successfulSessions, 3 * 1_200)
        XCTAssertEqual(summary.policies.first?.failedSessions, 1_200)
    }
}
