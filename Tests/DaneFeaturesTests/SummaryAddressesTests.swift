import Foundation
import XCTest

@testable import ReportStore

/// A failure group's busiest addresses come from the databases as JSON text
/// (`[[ip, sessions, count of all], ...]`); read with JSONDecoder, they are what
/// JSONSerialization read before (issue 24), odd rows skipped the same way.
final class SummaryAddressesTests: XCTestCase {
    /// The earlier reading, as the oracle.
    func earlier(_ text: String?) -> [String] {
        guard let data = text?.data(using: .utf8), let rows = try? JSONSerialization.jsonObject(with: data) as? [[Any]]
        else { return ["count 0"] }
        let listed = rows.compactMap { row -> String? in
            guard row.count == 3, let ip = row[0] as? String, let sessions = (row[1] as? NSNumber)?.intValue else {
                return nil
            }
            return "\(ip) \(sessions)"
        }
        return listed + ["count \(rows.first.flatMap { $0.count == 3 ? ($0[2] as? NSNumber)?.intValue : nil } ?? 0)"]
    }

    func testReadsWhatJSONSerializationRead() {
        for text in [
            #"[["192.0.2.1",5,3],["192.0.2.2",2,3],["2001:db8::1",1,3]]"#, "[]", nil, "not json", "{}",
            #"[["a", 1.9, 2]]"#, #"[["a", "x", 2], ["b", 4, 2]]"#, #"[[1, 2, 3]]"#, #"[["a", 1]]"#,
            #"[["a", null, 4]]"#,
            #"[["a", 7, "many"]]"#, #"[["a", -3, 2]]"#, #"[["a", 2, 3, 4]]"#, #"[[], ["a", 1, 1]]"#,
        ] {
            let read = FailureTotalsRow.addresses(fromJSON: text)
            XCTAssertEqual(
                read.listed.map { "\($0.ip) \($0.sessions)" } + ["count \(read.count)"], earlier(text),
                text ?? "nil")
        }
        XCTAssertTrue(
            FailureTotalsRow.addresses(fromJSON: #"[["a", 1e300, 1]]"#).listed.isEmpty, "out of range: skipped")
    }
}
