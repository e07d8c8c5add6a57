import Foundation
import XCTest

@testable import DaneOutput

/// octoDNS reads `;` in a TXT value as the start of a comment unless escaped, and a backslash
/// as an escape: both get a backslash, nothing else changes.
final class OctoDNSEscapeTests: XCTestCase {
    func testTXTEscapesAreTheReplacements() {
        for text in [
            "", "v=TLSRPTv1; rua=mailto:r@example.com", "a\\b", "\\;", ";;", "\\\\", "é;ü\\ñ", "no escapes",
            "v=STSv1; id=20261207", "emoji 📫; done\\",
        ] {
            let reference = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ";", with: "\\;")
            XCTAssertEqual(OctoDNSZone.escaped(text), reference, text)
        }
    }
}
