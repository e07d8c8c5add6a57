import Foundation
import XCTest

@testable import DaneOutput

final class JSONDocumentTests: XCTestCase {
    struct Document: Encodable {
        let generator = "danectl"
        let records: [Item]
        let warnings: [String]
    }

    struct Item: Encodable {
        let name: String
        let number: Int
        let note: String?
        let nested: [String: [Int]]
    }

    func item(_ index: Int) -> Item {
        Item(
            name: "n\(index).example. \"quoted\" / slash \\ and \u{7} and é", number: index,
            note: index % 3 == 0 ? nil : "line\nbreak", nested: ["a": [index], "b": []])
    }

    /// Spliced a chunk at a time, the document is byte for byte the one encoded whole, for
    /// lists shorter than a chunk, of exactly one, and spanning several (and several rounds of
    /// the threads that encode them).
    func testSplicedListIsByteIdenticalToEncodingItWhole() {
        for count in [
            0, 1, 2, JSONDocument.spliceChunk, JSONDocument.spliceChunk + 1, 2 * JSONDocument.spliceChunk + 7,
            9 * JSONDocument.spliceChunk + 3,
        ] {
            let items = (0..<count).map(item)
            let whole = JSONDocument.encode(Document(records: items, warnings: ["w"]))
            let spliced = JSONDocument.encode(
                Document(records: [], warnings: ["w"]), filling: "records", with: Array(0..<count), as: item)
            XCTAssertEqual(spliced, whole, "\(count) items")
        }
    }
}
