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

    /// Written to a sink, the document arrives in pieces (one per chunk, not held whole) that
    /// join to the same bytes; a sink that refuses a piece is given nothing more.
    func testWrittenInPiecesAndStoppedByARefusingSink() {
        let count = 3 * JSONDocument.spliceChunk + 5
        var pieces: [String] = []
        XCTAssertTrue(
            JSONDocument.write(
                Document(records: [], warnings: []), filling: "records", with: Array(0..<count), as: item
            ) {
                pieces.append($0)
                return true
            })
        XCTAssertEqual(pieces.count, 4 + 2, "the head, a piece per chunk, the tail")
        XCTAssertEqual(pieces.joined(), JSONDocument.encode(Document(records: (0..<count).map(item), warnings: [])))
        var offered = 0
        XCTAssertFalse(
            JSONDocument.write(
                Document(records: [], warnings: []), filling: "records", with: Array(0..<count), as: item
            ) { _ in
                offered += 1
                return offered < 2
            })
        XCTAssertEqual(offered, 2, "nothing is offered after the refused piece")
    }
}
