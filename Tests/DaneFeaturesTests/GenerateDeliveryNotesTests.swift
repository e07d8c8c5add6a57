import DaneModel
import XCTest

@testable import DaneFeatures

/// A provider writes 100,000 zone files: the notes name each written or unchanged file only
/// while there are few of that kind, and count them beyond that.
final class GenerateDeliveryNotesTests: XCTestCase {
    func paths(_ count: Int) -> [String] { (0..<count).map { "out/zone\($0).yaml" } }

    func testFewFilesAreNamedManyAreCounted() {
        let limit = GenerateDelivery.filesNamedAtMost
        let all = paths(limit + 5)
        let fewWritten = GenerateDelivery.fileNotes(all, written: Set(all.prefix(3)), output: "out/")
        XCTAssertEqual(fewWritten.map(\.message).filter { $0.hasPrefix("wrote ") }, all.prefix(3).map { "wrote \($0)" })
        XCTAssertEqual(
            fewWritten.filter { $0.code == "output-unchanged" }.map(\.message),
            ["\(limit + 2) files in out/ are unchanged; left as they were"])

        let allWritten = GenerateDelivery.fileNotes(all, written: Set(all), output: "out/")
        XCTAssertEqual(allWritten.map(\.message), ["wrote \(limit + 5) files in out/"])
        XCTAssertEqual(allWritten.map(\.code), ["output-written"])

        let exactly = paths(limit)
        let named = GenerateDelivery.fileNotes(exactly, written: [], output: "out/")
        XCTAssertEqual(named.map(\.message), exactly.map { "\($0) is unchanged; left as it was" })
    }
}
