import DaneModel
import FileKit
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

    /// The same template with its delimiters changed at the very end: it prints the same text,
    /// but the change hides its tags from the scan, so it is always rendered whole.
    func renderedWhole(_ text: String, _ input: [ResourceRecord]) throws -> String {
        let whole = try ZoneSnippetRenderer(text: text + "{{=<% %>=}}")
        XCTAssertFalse(whole.rendersInPieces)
        return whole.render(input, source: "s.yaml")
    }

    /// The built-in templates over more zones than a piece hold: rendered a thousand zones at a
    /// time, the file is byte for byte the one the engine prints in one go, and it reached the
    /// sink in pieces (the head, one per thousand zones, the tail).
    func testBuiltInTemplatesRenderedInPiecesPrintWhatTheyPrintWhole() throws {
        let input = try records(zones: 2 * ZoneSnippetRenderer.zonesPerPiece + 17)
        for name in ZoneSnippetRenderer.builtInNames {
            let renderer = try ZoneSnippetRenderer(builtIn: name)
            XCTAssertTrue(renderer.rendersInPieces, name)
            var pieces: [String] = []
            XCTAssertTrue(
                renderer.render(input, source: "s.yaml") {
                    pieces.append($0)
                    return true
                })
            XCTAssertEqual(pieces.count, 3 + 2, name)
            let text = pieces.joined()
            XCTAssertEqual(text, try renderedWhole(EmbeddedTemplates.all[name]!, input), name)
            XCTAssertEqual(text.components(separatedBy: "; ---- zone ").count - 1, 2 * 1_000 + 17, name)
        }
    }

    /// Operators' templates: only a template whose one use of `zones` is a plain section is
    /// rendered in pieces, and every template prints what it prints whole. Functions that see
    /// the whole list (`index()`, `first()`), a second use of `zones`, a hidden section and a
    /// template that prints the marker itself are rendered whole.
    func testOperatorTemplatesPrintTheSameTextInPiecesOrWhole() throws {
        let input = try records(zones: ZoneSnippetRenderer.zonesPerPiece + 3)
        let head = "{{% CONTENT_TYPE: TEXT}}; from {{source}}\n"
        for (text, inPieces) in [
            (head + "{{#zones}}{{zone}} {{source}}\n{{lines}}\n{{/zones}}; end of {{source}}\n", true),
            (head + "{{#zones}}\n{{#records}}{{owner}} {{rdata}}\n{{/records}}{{/zones}}", true),
            (head + "{{#zones}}{{index()}} {{zone}}\n{{/zones}}", false),
            (head + "{{#zones}}{{#first()}}first {{/first()}}{{zone}}\n{{/zones}}", false),
            (head + "{{#zones}}{{zone}}\n{{/zones}}again\n{{#zones}}{{zone}}\n{{/zones}}", false),
            (head + "{{^zones}}none{{/zones}}{{#zones}}{{zone}}\n{{/zones}}", false),
            (head + "{{#source}}{{#zones}}{{zone}}\n{{/zones}}{{/source}}", true),
            (head + "{{^source}}{{#zones}}{{zone}}\n{{/zones}}{{/source}}", true),
            ("\u{0}danectl-zones-section\u{0}" + head + "{{#zones}}{{zone}}\n{{/zones}}", true),
        ] {
            let renderer = try ZoneSnippetRenderer(text: text)
            XCTAssertEqual(renderer.rendersInPieces, inPieces, text)
            var pieces = 0
            let rendered = collectText { sink in
                renderer.render(input, source: "s.yaml") {
                    pieces += 1
                    return sink($0)
                }
            }
            XCTAssertEqual(rendered, try renderedWhole(text, input), text)
            XCTAssertEqual(renderer.render(input, source: "s.yaml"), rendered, text)
            if inPieces, rendered.contains("customer0.example."), !text.hasPrefix("\u{0}") {
                XCTAssertEqual(pieces, 4, "head, two pieces of zones, tail: \(text)")
            }
        }
    }

    /// A sink that refuses a piece (a closed pipe) is offered nothing more, and the render
    /// says it did not finish.
    func testRefusingSinkStopsTheRender() throws {
        let input = try records(zones: 3 * ZoneSnippetRenderer.zonesPerPiece)
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
