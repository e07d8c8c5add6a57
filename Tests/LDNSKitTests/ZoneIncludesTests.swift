import Foundation
import XCTest

@testable import LDNSKit

/// An `$INCLUDE`d file is spliced in so that large zones still parse in parallel, and every
/// line of the result maps back to its file and line.
final class ZoneIncludesTests: XCTestCase {
    func testLargeIncludesAreStillCutIntoPiecesAndLinesMapBack() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("zi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let big = (0..<20_000).map { "host\($0) IN A 192.0.2.\($0 % 250)\n" }.joined()
        try big.write(to: folder.appendingPathComponent("big.inc"), atomically: true, encoding: .utf8)
        let main =
            "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 60\n$INCLUDE big.inc sub.example.com.\nafter IN A 192.0.2.1\n"
        try main.write(to: folder.appendingPathComponent("main.zone"), atomically: true, encoding: .utf8)
        let expanded = try ZoneIncludes.expand(
            path: folder.appendingPathComponent("main.zone").path, origin: "example.com.")
        XCTAssertTrue(expanded.hasIncludes)
        let pieces = ZoneTextSplitter.pieces(of: expanded.text.buffer, origin: "example.com.", targetSize: 64 << 10)
        XCTAssertGreaterThan(pieces.count, 3, "the included records are cut like any others")
        XCTAssertEqual(
            pieces.dropFirst().map(\.origin),
            Array(repeating: "sub.example.com.", count: pieces.count - 2) + [pieces.last!.origin])
        let text = String(decoding: expanded.text.buffer, as: UTF8.self).split(
            separator: "\n", omittingEmptySubsequences: false)
        let afterLine = try XCTUnwrap(text.firstIndex { $0.hasPrefix("after ") }) + 1
        let place = expanded.lines.place(ofLine: afterLine)
        XCTAssertEqual(place.line, 5)
        XCTAssertTrue(place.file.hasSuffix("main.zone"))
        let hostLine = try XCTUnwrap(text.firstIndex { $0.hasPrefix("host1234 ") }) + 1
        XCTAssertEqual(expanded.lines.place(ofLine: hostLine).line, 1235)
        XCTAssertTrue(expanded.lines.place(ofLine: hostLine).file.hasSuffix("big.inc"))
    }

    func testAFileWithoutDirectivesIsReadAsIs() throws {
        XCTAssertFalse(ZoneIncludes.containsDirective(Array("a IN A 192.0.2.1\n; $INCLUDE in a comment\n".utf8)))
        XCTAssertTrue(ZoneIncludes.containsDirective(Array("a IN A 192.0.2.1\n$include x\n".utf8)))
        XCTAssertTrue(ZoneIncludes.containsDirective(Array("$GENERATE 1-2 a$ A 192.0.2.$\n".utf8)))
    }
}

/// Finding 17: where a zone is cut for parallel parsing must not change what a malformed file
/// means: the split parse and the whole-file parse agree (same records, or the same error line).
final class SplitAgreesWithWholeTests: XCTestCase {
    func outcome(_ path: String, split: Bool) -> String {
        do {
            let zone = try ZoneFile.parse(path: path, origin: split ? "example.com." : nil)
            return "records \(zone.refs.count)"
        } catch {
            return "error at line \(error.line ?? -1)"
        }
    }

    func testAnOpenQuoteNearACutMeansTheSameSplitOrWhole() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("split-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var head = "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns h 1 2 3 4 5\n@ IN NS ns\n"
        for i in 0..<1_800 { head += "h\(i) IN A 192.0.2.\(i % 250 + 1)\n" }  // about 40 KiB
        for (index, bad) in [
            "q IN TXT \"open quote\n", "q IN TXT \"open (quote\nr IN A 192.0.2.1\n", "q IN TXT ( \"a\"\n \"b\n",
        ].enumerated() {
            for padding in stride(from: 0, to: 40_000, by: 4_000) {
                var text = head + String(repeating: ";\n", count: padding / 2) + bad
                for i in 0..<3_000 { text += "t\(i) IN TXT \"x\(i)\"\n" }
                let path = folder.appendingPathComponent("z\(index)-\(padding).zone").path
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                XCTAssertEqual(
                    outcome(path, split: true), outcome(path, split: false), "case \(index), padding \(padding)")
            }
        }
    }
}
