import Foundation
import XCTest

@testable import DaneFeatures

/// The claims file is read by a reader of its one shape (an object of objects of strings):
/// whatever JSONEncoder writes of such a document, pretty or compact, reads back equal, every
/// escape included; anything that is not exactly that shape is refused (then nothing is pruned).
final class ClaimsReaderTests: XCTestCase {
    func testReadsWhatJSONEncoderWrites() throws {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<200 {
            let document = RandomClaims.document(descriptions: 0...4, paths: 0...20, using: &generator)
            for formatting: JSONEncoder.OutputFormatting in [
                [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes], [], [.prettyPrinted],
            ] {
                let encoder = JSONEncoder()
                encoder.outputFormatting = formatting
                let data = try encoder.encode(document)
                XCTAssertEqual(
                    ClaimsReader.read(data), document, "round \(round): \(String(decoding: data, as: UTF8.self))")
            }
            XCTAssertEqual(
                ClaimsReader.read(Data(OutputClaims.encode(document).utf8)), document, "our own encoding")
        }
        // Escapes JSONEncoder never writes: \u of every kind, a surrogate pair, \b \f \/.
        let written = #" { "\u0041\u00e9\ud83d\ude00" : { "\b\f\/\u001f" : "x" } , "e" : {} } "#
        XCTAssertEqual(ClaimsReader.read(Data(written.utf8)), ["Aé\u{1F600}": ["\u{08}\u{0C}/\u{1F}": "x"], "e": [:]])
    }

    func testRefusesWhatIsNotTheClaimsShape() {
        for bad in [
            "", "[]", "{", "{}x", #"{"a": "b"}"#, #"{"a": {"b": 1}}"#, #"{"a": {"b": "c",}}"#,
            #"{"a": {"b": "c"} "d": {}}"#,
            #"{"a": {"b": "\x"}}"#, #"{"a": {"b": "\u12"}}"#, #"{"a": {"b": "\u+123"}}"#, #"{"a": {"b": "\ud83d"}}"#,
            #"{"a": {"b": "\ude00"}}"#, "{\"a\": {\"b\": \"tab\there\"}}", #"{"a": {"b": "c"}"#,
            #"{"a": {"b": "unterminated}}"#,
            #"{'a': {}}"#, #"{"a": null}"#,
        ] {
            XCTAssertNil(ClaimsReader.read(Data(bad.utf8)), bad)
        }
        XCTAssertNil(ClaimsReader.read(Data([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x7B, 0x7D, 0x7D])), "not UTF-8")
    }

    /// From a file, read a block at a time: strings and escapes that straddle a block's end
    /// read the same; a missing file is nil.
    func testReadsAFileLargerThanABlock() throws {
        var paths: [String: String] = [:]
        for index in 0..<3_000 {
            paths["/srv/dns/\u{1F600}\"customer\(index)\".example.yaml"] = String(index, radix: 16)
        }
        let document = ["/etc/danectl/provider.yaml": paths, "/etc/other.yaml": ["/a": "\n"]]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("danectl-claims-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text = OutputClaims.encode(document)
        XCTAssertGreaterThan(text.utf8.count, 2 * 65_536)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertEqual(ClaimsReader.read(file: path), document)
        XCTAssertNil(ClaimsReader.read(file: path + ".missing"))
    }
}
