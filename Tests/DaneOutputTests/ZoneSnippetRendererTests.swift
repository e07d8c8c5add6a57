import DaneModel
import XCTest

@testable import DaneOutput

/// `lines` is made on another core ahead of the template engine for long outputs; what the
/// template prints must be what `{{#records}}` over the same fields prints, however often and
/// wherever it asks.
final class ZoneSnippetRendererTests: XCTestCase {
    func records(zones: Int) throws -> [ResourceRecord] {
        try (0..<zones).flatMap { index -> [ResourceRecord] in
            let zone = try DNSName(zoneName: "customer\(index).example")
            let exchange = try DNSName(hostName: "mx\(index % 7).provider.example")
            return [
                ResourceRecord(
                    zone: zone, owner: zone, ttl: 3600, type: .mx, data: .mx(preference: 10, exchange: exchange)),
                ResourceRecord(
                    zone: zone, owner: zone.prepending("_tls").prepending("_smtp"), ttl: 300, type: .txt,
                    data: .txt([Array("v=TLSRPTv1; rua=mailto:r@\(index).example".utf8)])),
            ]
        }
    }

    func testLinesMadeAheadAreTheRecordsFields() throws {
        let fields = "{{#records}}{{ownerColumn}} {{ttl}} {{class}} {{type}} {{rdata}}\n{{/records}}"
        for zones in [1, 2, 5_000] {
            let input = try records(zones: zones)
            for (withLines, withRecords) in [
                ("{{% CONTENT_TYPE: TEXT}}{{#zones}}; {{zone}}\n{{lines}}\n{{/zones}}", "; {{zone}}\n" + fields),
                ("{{% CONTENT_TYPE: TEXT}}{{#zones}}{{lines}}\n{{lines}}\n{{/zones}}", fields + fields),
            ] {
                let ahead = try ZoneSnippetRenderer(text: withLines).render(input, source: "s.yaml")
                let reference = try ZoneSnippetRenderer(
                    text: "{{% CONTENT_TYPE: TEXT}}{{#zones}}\(withRecords){{/zones}}"
                )
                .render(input, source: "s.yaml")
                XCTAssertEqual(ahead, reference, "\(zones) zones: \(withLines)")
                XCTAssertEqual(ahead.split(separator: "\n").count, reference.split(separator: "\n").count)
            }
        }
    }

    /// A template that stops using `lines` half way (a section per zone that is false for most)
    /// still ends: the thread making them ahead is stopped when the render returns.
    func testRenderEndsWhenLinesAreAskedForOnlySometimes() throws {
        let input = try records(zones: 3_000)
        let text = try ZoneSnippetRenderer(text: "{{% CONTENT_TYPE: TEXT}}{{#zones}}{{zone}}\n{{/zones}}{{lines}}")
            .render(input, source: "s.yaml")
        XCTAssertEqual(text.split(separator: "\n").count, 3_000)
    }
}
