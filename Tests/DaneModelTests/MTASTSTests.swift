import DaneModel
import XCTest

final class MTASTSTests: XCTestCase {
    func testPatternsMatchTheNameOrExactlyOneMoreLabel() {
        XCTAssertTrue(MTASTSPolicy.pattern("mx.example.com", matches: "MX.example.com."))
        XCTAssertTrue(MTASTSPolicy.pattern("*.example.com", matches: "mx1.example.com"))
        XCTAssertFalse(MTASTSPolicy.pattern("*.example.com", matches: "example.com"))
        XCTAssertFalse(MTASTSPolicy.pattern("*.example.com", matches: "a.b.example.com"))
        XCTAssertFalse(MTASTSPolicy.pattern("*.example.com", matches: "mxexample.com"))
    }

    func testServedPoliciesAreReadByRFC8461Rules() throws {
        let policy = try MTASTSPolicy.parse(
            "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 86400\r\n")
        XCTAssertEqual(policy, MTASTSPolicy(mode: .enforce, maxAge: 86400, mx: ["mail.example.com", "*.example.net"]))
        XCTAssertEqual(try MTASTSPolicy.parse(policy.text), policy, "round trip")
        XCTAssertEqual(
            try MTASTSPolicy.parse("version: STSv1\nmode: none\nmax_age: 0\nextension: ignored\n").mode,
            MTASTSPolicy.Mode.none)
        let bad: [(String, String)] = [
            ("mode: enforce\r\nversion: STSv1\r\n", "first field"),
            ("version: STSv2\r\nmode: enforce\r\n", "not STSv1"),
            ("version: STSv1\r\nmode: strict\r\nmx: a.example\r\nmax_age: 1\r\n", "line 2"),
            ("version: STSv1\r\nmode: enforce\r\nmx: a.example\r\nmax_age: 31557601\r\n", "max_age"),
            ("version: STSv1\r\nmode: enforce\r\nmax_age: 60\r\n", "at least one"),
            ("version: STSv1\r\nmode: enforce\r\nmx: *.*.example\r\nmax_age: 60\r\n", "line 3"),
            ("<html>not found</html>", "key: value"),
        ]
        for (text, words) in bad {
            XCTAssertThrowsError(try MTASTSPolicy.parse(text), text) { error in
                XCTAssertTrue("\(error)".contains(words), "\(text): \(error)")
            }
        }
    }

    func testRecordSyntax() throws {
        XCTAssertEqual(try MTASTSRecord.parse("v=STSv1; id=20261129T000000;").id, "20261129T000000")
        XCTAssertThrowsError(try MTASTSRecord.parse("v=STSv1"))
        XCTAssertThrowsError(try MTASTSRecord.parse("id=1; v=STSv1"))
        XCTAssertThrowsError(try MTASTSRecord.parse("v=STSv1; id=has-dash"))
        XCTAssertThrowsError(try MTASTSRecord.parse("v=STSv1; id=" + String(repeating: "a", count: 33)))
    }
}

final class MTASTSComparisonTests: XCTestCase {
    func testAPolicyChangedUnderTheSameIDIsTold() {
        let old = MTASTSPolicy(mode: .testing, maxAge: 86400, mx: ["mx.example.net"]).text
        let new = MTASTSPolicy(mode: .enforce, maxAge: 86400, mx: ["mx.example.net"]).text
        XCTAssertEqual(
            MTASTSComparison.compare(liveText: old, liveID: "a1", describedText: old, describedID: "a1"), .same)
        XCTAssertEqual(
            MTASTSComparison.compare(liveText: old, liveID: "a1", describedText: old, describedID: "b2"),
            .idDiffers(live: "a1", described: "b2"))
        XCTAssertEqual(
            MTASTSComparison.compare(liveText: new, liveID: "a1", describedText: old, describedID: "a1"),
            .policyChangedUnderSameID(id: "a1"))
        XCTAssertEqual(
            MTASTSComparison.compare(liveText: new, liveID: "a1", describedText: old, describedID: "b2"), .drift)
    }
}
