import DaneModel
import FileKit
import Mustache
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
        let tabbed = "{{#records}}{{owner}}\t{{ttl}}\t{{class}}\t{{type}}\t{{rdata}}\n{{/records}}"
        for zones in [1, 2, 5_000] {
            let input = try records(zones: zones)
            for (withLines, withRecords) in [
                ("{{% CONTENT_TYPE: TEXT}}{{#zones}}; {{zone}}\n{{lines}}\n{{/zones}}", "; {{zone}}\n" + fields),
                ("{{% CONTENT_TYPE: TEXT}}{{#zones}}{{lines}}\n{{lines}}\n{{/zones}}", fields + fields),
                ("{{% CONTENT_TYPE: TEXT}}{{#zones}}{{tabbedLines}}\n{{/zones}}", tabbed),
                ("{{% CONTENT_TYPE: TEXT}}{{#zones}}{{tabbedLines}}\n{{lines}}\n{{/zones}}", tabbed + fields),
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

    /// What swift-mustache, the engine danectl used before, printed for `text` over the same
    /// zones (each as a dictionary with the same fields).
    func printedBySwiftMustache(_ text: String, _ input: [ResourceRecord]) throws -> String {
        let zones = ZoneSnippetRenderer.zones(input.sorted()).map { zone -> [String: Any] in
            [
                "zone": zone.zone.fqdn, "records": zone.recordContexts, "lines": zone.text(.columns),
                "tabbedLines": zone.text(.tabs),
            ]
        }
        return try MustacheTemplate(string: text).render(["source": "s.yaml", "zones": zones] as [String: Any])
    }

    /// The built-in templates print byte for byte what swift-mustache printed, and reach the
    /// sink in pieces of about 64 KiB, never as one text.
    func testBuiltInTemplatesPrintWhatTheyPrintedBefore() throws {
        let input = try records(zones: 2_017)
        for name in ZoneSnippetRenderer.builtInNames {
            let renderer = try ZoneSnippetRenderer(builtIn: name)
            var pieces: [String] = []
            XCTAssertTrue(
                renderer.render(input, source: "s.yaml") {
                    pieces.append($0)
                    return true
                })
            XCTAssertGreaterThan(pieces.count, 2, name)
            XCTAssertLessThan(pieces.map(\.utf8.count).max() ?? 0, (1 << 16) + 4_096, name)
            let text = pieces.joined()
            XCTAssertEqual(text, try printedBySwiftMustache(EmbeddedTemplates.all[name]!, input), name)
            XCTAssertEqual(text.components(separatedBy: "; ---- zone ").count - 1, 2_017, name)
        }
    }

    /// Operators' templates (functions over the zones list, a second use of it, inverted and
    /// nested sections) print what swift-mustache printed.
    func testOperatorTemplatesPrintWhatTheyPrintedBefore() throws {
        let input = try records(zones: 1_003)
        let head = "{{% CONTENT_TYPE: TEXT}}; from {{source}}\n"
        for text in [
            head + "{{#zones}}{{zone}} {{source}}\n{{lines}}\n{{/zones}}; end of {{source}}\n",
            head + "{{#zones}}\n{{#records}}{{owner}} {{rdata}}\n{{/records}}{{/zones}}",
            head + "{{#zones}}{{index()}} {{zone}}\n{{/zones}}",
            head + "{{#zones}}{{#first()}}first {{/first()}}{{zone}}{{^last()}},{{/last()}}\n{{/zones}}",
            head + "{{#zones}}{{zone}}\n{{/zones}}again\n{{#zones}}{{zone}}\n{{/zones}}",
            head + "{{^zones}}none{{/zones}}{{#zones}}{{zone}}\n{{/zones}}",
            head + "{{#source}}{{#zones}}{{zone}}\n{{/zones}}{{/source}}",
            "{{#zones}}\n  {{#records}}\n  {{ownerColumn}} <{{rdata}}>\n  {{/records}}\n{{/zones}}\n",
        ] {
            let renderer = try ZoneSnippetRenderer(text: text)
            XCTAssertEqual(renderer.render(input, source: "s.yaml"), try printedBySwiftMustache(text, input), text)
        }
    }

    /// A sink that refuses a piece (a closed pipe) is offered nothing more, and the render
    /// says it did not finish.
    func testRefusingSinkStopsTheRender() throws {
        let input = try records(zones: 3_000)
        let renderer = try ZoneSnippetRenderer(builtIn: "bind")
        var offered = 0
        XCTAssertFalse(
            renderer.render(input, source: "s.yaml") { _ in
                offered += 1
                return offered < 2
            })
        XCTAssertEqual(offered, 2)
    }
}
