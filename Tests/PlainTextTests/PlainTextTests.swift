import Foundation
import PlainText
import XCTest

/// The helpers that replaced Foundation's NSString API in danectl's modules give Foundation's
/// answers (Foundation is the reference here, in the tests only).
final class PlainTextTests: XCTestCase {
    /// Every character class trimmed as CharacterSet trimmed it, on texts made of the edge
    /// cases: every Unicode space separator, tab, each line break, and ordinary characters.
    func testTrimmingIsFoundations() {
        let pieces: [String] = [
            " ", "\t", "\n", "\r", "\r\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{A0}", "\u{1680}", "\u{2000}", "\u{200A}",
            "\u{2028}", "\u{2029}", "\u{202F}", "\u{205F}", "\u{3000}", "\u{200B}", "\u{FEFF}", "a", "é", "e\u{301}",
            "✉️", ".", "\"", "'", "x y",
        ]
        var texts = pieces
        for _ in 0..<5_000 {
            texts.append((0..<Int.random(in: 0...6)).map { _ in pieces.randomElement()! }.joined())
        }
        for text in texts {
            XCTAssertEqual(text.trimmed(), text.trimmingCharacters(in: .whitespaces), text.debugDescription)
            XCTAssertEqual(text.trimmed(.newlines), text.trimmingCharacters(in: .newlines), text.debugDescription)
            XCTAssertEqual(
                text.trimmed(.whitespacesAndNewlines), text.trimmingCharacters(in: .whitespacesAndNewlines),
                text.debugDescription)
            XCTAssertEqual(
                text.trimmed(.characters(in: ".\"'")), text.trimmingCharacters(in: CharacterSet(charactersIn: ".\"'")),
                text.debugDescription)
            XCTAssertEqual(
                Substring(text).trimmed(), text.trimmingCharacters(in: .whitespaces),
                "as a Substring: \(text.debugDescription)")
        }
    }

    func testPaddingNeverCuts() {
        XCTAssertEqual("add".padded(to: 8), "add     ")
        XCTAssertEqual("replaced".padded(to: 8), "replaced")
        XCTAssertEqual("toolongtext".padded(to: 4), "toolongtext")
        XCTAssertEqual("é".padded(to: 3), "é  ", "counted in characters")
    }

    /// printf's own conversions, so rounding and zero padding are String(format:)'s.
    func testPrintfIsStringFormat() {
        var values: [Double] = [0, -0.0, 0.0005, 0.0015, 0.0025, 1.2345, 2.5, -2.5, 99.995, 1e21, 1e-7, 123456.789]
        for _ in 0..<5_000 { values.append(Double.random(in: -1e6...1e6)) }
        for value in values {
            XCTAssertEqual(Printf.fixed(value, places: 3), String(format: "%.3f", value), "\(value)")
            XCTAssertEqual(Printf.fixed(value, places: 2), String(format: "%.2f", value), "\(value)")
        }
        for number in [0, 7, 13, 257, 65535, 100_000, -5] {
            XCTAssertEqual(Printf.zeroPadded(number, width: 5), String(format: "%05d", number))
            XCTAssertEqual(Printf.zeroPadded(number, width: 3), String(format: "%03d", number))
        }
    }
}

final class PercentEncodingTests: XCTestCase {
    /// Paths encoded and decoded as Foundation's urlPathAllowed and removingPercentEncoding did.
    func testPercentEncodingIsFoundations() {
        var texts = [
            "", "example.com", "a b", "ü.example", "%", "%2", "%zz", "%C3%A9", "%FF", "a%2Fb", "%00", "x:y;z", "✉️",
        ]
        let pieces = Array("aZ09-._~!$&'()*+,;=:@/?#[]% \"<>\\^`{|}éü✉\u{0}\u{7f}")
        for _ in 0..<5_000 { texts.append(String((0..<Int.random(in: 0...8)).map { _ in pieces.randomElement()! })) }
        for text in texts {
            XCTAssertEqual(
                PercentEncoding.path(text), text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed), text)
            // Foundation turns a lone continuation byte (%A9) into U+FFFD but answers nil for
            // every other byte sequence that is not UTF-8; danectl answers nil for all of them.
            if let theirs = text.removingPercentEncoding, theirs.contains("\u{FFFD}"), !text.contains("\u{FFFD}") {
                XCTAssertNil(PercentEncoding.decoded(text), text)
            } else {
                XCTAssertEqual(PercentEncoding.decoded(text), text.removingPercentEncoding, text)
            }
            XCTAssertEqual(PercentEncoding.decoded(PercentEncoding.path(text)), text, "round trip: \(text)")
        }
    }
}

final class HTMLEscapingTests: XCTestCase {
    func testEveryMarkupCharacterIsEscapedEvenWithAMarkOnIt() {
        XCTAssertEqual(
            HTMLEscaping.escape(#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        XCTAssertEqual(HTMLEscaping.escape("plain ünïcødé"), "plain ünïcødé")
        // One character to Swift, but the quote still ends an attribute value in a browser.
        XCTAssertEqual(HTMLEscaping.escape("\"\u{301}onmouseover=x"), "&quot;\u{301}onmouseover=x")
        XCTAssertEqual(HTMLEscaping.escape("<\u{338}"), "&lt;\u{338}")
    }
}
