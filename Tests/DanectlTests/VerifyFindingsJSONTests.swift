import DaneFeatures
import DaneModel
import DaneOutput
import DaneTestSupport
import XCTest

/// Verify's warnings reach JSON and JSON Lines as coded findings (issue 20): scripts match on
/// `findings[].code`, and both documents still validate against their schemas.
final class VerifyFindingsJSONTests: XCTestCase {
    func testWarningsAreCodedInJSONAndJSONLines() throws {
        let dns = ScriptedDNS()
        // An unsigned MX RRset and a host with more addresses than a sender tries.
        dns.answer(
            "example.test", .mx, [.mx(preference: 10, exchange: DNSName(presentation: "mx.example.test")!)],
            status: .insecure)
        dns.answer("mx.example.test", .a, (1...7).map { .address("192.0.2.\($0)") }, status: .insecure)
        var request = VerifyRequest(targets: ["example.test"])
        request.options.dnsOnly = true
        let reports = try VerifyRun.run(request, world: .scripted(dns))
        let codes = Set(reports[0].warnings.map(\.code))
        XCTAssertTrue(codes.isSuperset(of: [.mxUnsigned, .addressLimit]), "\(reports[0].warnings)")

        let json = VerifyJSON.render(reports, exitStatus: 3)
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let domain = try XCTUnwrap((document["domains"] as? [[String: Any]])?.first)
        let findings = try XCTUnwrap(domain["findings"] as? [[String: String]])
        XCTAssertEqual(Set(findings.compactMap { $0["code"] }), Set(codes.map(\.rawValue)))
        XCTAssertEqual(
            findings.compactMap { $0["message"] }, domain["warnings"] as? [String], "same sentences, same order")
        try SchemaCheck.assertValid(json, "verify", "verify JSON with findings")

        for line in [
            VerifyJSON.line(reports[0]), VerifyJSON.summaryLine(reports, exitStatus: 3, warnings: reports[0].warnings),
        ] {
            XCTAssertTrue(line.contains(#""findings":[{"code":"#), line)
            try SchemaCheck.assertValid(line, "verify-jsonl", "a verify JSON line with findings")
        }
    }
}
