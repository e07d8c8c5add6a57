import Foundation
import Mustache
import Templating
import XCTest

/// danectl renders zone snippets with its own Mustache engine; swift-mustache rendered them
/// before and is kept here as the reference: the same templates over the same values give
/// the same text, standalone lines, escaping and functions included.
final class TemplateTests: XCTestCase {
    /// One context in both engines' terms.
    nonisolated(unsafe) private static let fields: [String: Any] = [
        "name": "a<b>&'\"c", "n": 3, "zero": 0, "t": true, "f": false, "empty": [[String: Any]](), "s": "",
        "items": [["name": "x", "n": 1], ["name": "y", "n": 2], ["name": "z", "n": 0]] as [[String: Any]],
        "obj": ["name": "inner", "deep": ["v": "d"] as [String: Any]] as [String: Any],
        "words": ["p", "q"],
    ]

    private static func value(_ any: Any) -> TemplateValue {
        switch any {
        case let text as String: .text(text)
        case let number as Int: .number(number)
        case let flag as Bool: .bool(flag)
        case let list as [[String: Any]]: .list(list.map(value))
        case let list as [String]: .list(list.map { .text($0) })
        case let fields as [String: Any]: .fields(fields.mapValues(value))
        default: .text("\(any)")
        }
    }

    private func assertSame(_ template: String, file: StaticString = #filePath, line: UInt = #line) {
        let reference = try? MustacheTemplate(string: template)
        let ours = try? Template(template)
        XCTAssertEqual(
            reference == nil, ours == nil, "parses in one engine only: \(template.debugDescription)", file: file,
            line: line)
        guard let reference, let ours else { return }
        XCTAssertEqual(
            ours.render(Self.value(Self.fields)), reference.render(Self.fields), template.debugDescription, file: file,
            line: line)
    }

    func testHandPickedTemplates() {
        let templates = [
            "", "plain", "{{name}}", "{{{name}}}", "{{&name}}", "{{ name }}", "{{n}} {{zero}} {{t}} {{f}}",
            "{{missing}}|",
            "{{obj.name}}/{{obj.deep.v}}/{{obj.missing.v}}", "{{#obj}}{{name}}{{deep.v}}{{n}}{{/obj}}",
            "{{#obj}}{{.name}}{{.n}}{{/obj}}",
            "{{#items}}{{name}}{{n}},{{/items}}",
            "{{#items}}{{#first()}}[{{/first()}}{{name}}{{^last()}}, {{/last()}}{{/items}}]",
            "{{#items}}{{index()}}{{#even()}}e{{/even()}}{{#odd()}}o{{/odd()}}{{/items}}", "{{#words}}{{.}};{{/words}}",
            "{{^empty}}none{{/empty}}{{#empty}}some{{/empty}}", "{{#t}}yes{{/t}}{{#f}}no{{/f}}{{^f}}not{{/f}}",
            "{{#s}}[{{.}}]{{/s}}{{#zero}}z{{.}}{{/zero}}",
            "{{uppercased(name)}} {{lowercased(obj.name)}} {{reversed(s)}}",
            "{{count(items)}} {{#empty(empty)}}E{{/empty(empty)}} {{#first(items)}}{{name}}{{/first(items)}}",
            "{{plusone(n)}} {{minusone(n)}} {{#equalzero(zero)}}0{{/equalzero(zero)}} {{#even(n)}}e{{/even(n)}}",
            "a\n  {{#t}}\n  in\n  {{/t}}\nb\n", "  {{! comment }}\nx", "x {{! c }} y\n",
            "{{=<% %>=}}<% name %><%#t%>!<%/t%>",
            "  {{=<% %>=}}  \n<%name%>\n", "{{% CONTENT_TYPE: TEXT}}\n{{name}}",
            "{{name}}{{% CONTENT_TYPE: TEXT}}{{name}}",
            "{{#t}}{{% CONTENT_TYPE: TEXT}}{{name}}{{/t}}{{name}}", "\t{{#items}}\r\n{{name}}\r\n\t{{/items}}\r\n",
            "{{#items}}\n  {{name}}\n{{/items}}", "  {{#t}}  \n  {{/t}}  ", "x\n  ", "{{#t}}a{{/t}} {{! c }}\nb",
            "{{#a}}", "{{/a}}", "{{#a}}{{/b}}", "{{name", "{{!unclosed", "{{=x=}}", "{{% CONTENT_TYPE: XML}}",
            "{{#items}}{{#items}}{{name}}{{/items}}{{/items}}", "{{#obj}}{{#deep}}{{v}}{{name}}{{/deep}}{{/obj}}",
        ]
        for template in templates { assertSame(template) }
    }

    /// Random templates: text with spaces, tabs and line breaks, tags of every supported kind
    /// alone on their lines or inline, nested sections, functions, pragmas and delimiters.
    func testRandomTemplates() {
        var rendered = 0
        for _ in 0..<4_000 {
            var maker = TemplateMaker()
            let template = maker.template()
            assertSame(template)
            rendered += 1
        }
        XCTAssertEqual(rendered, 4_000)
    }

    func testUnsupportedTagsAreRefusedWithTheirLine() {
        XCTAssertThrowsError(try Template("a\n{{> partial}}\n")) { error in
            XCTAssertEqual((error as? TemplateError)?.line, 2)
            XCTAssertTrue("\(error)".contains("partials"), "\(error)")
        }
        XCTAssertThrowsError(try Template("{{#a}}\n\n{{/b}}")) { XCTAssertEqual(($0 as? TemplateError)?.line, 3) }
    }

    /// A list rendered into a sink arrives in pieces, none much over 64 KiB, and whole.
    func testLongListsAreWrittenInPieces() throws {
        let template = try Template("{{% CONTENT_TYPE: TEXT}}\n{{#items}}{{line}}\n{{/items}}end\n")
        let items = (0..<50_000).map {
            TemplateValue.fields(["line": .text("line \($0) " + String(repeating: "x", count: 40))])
        }
        var pieces: [String] = []
        XCTAssertTrue(
            template.render(.fields(["items": .list(items)])) {
                pieces.append($0); return true
            })
        XCTAssertGreaterThan(pieces.count, 20)
        XCTAssertLessThan(pieces.map(\.utf8.count).max() ?? 0, (1 << 16) + 200)
        XCTAssertEqual(
            pieces.joined(),
            items.indices.map { "line \($0) " + String(repeating: "x", count: 40) + "\n" }.joined() + "end\n")
        // A refusing sink stops the walk.
        var calls = 0
        XCTAssertFalse(
            template.render(.fields(["items": .list(items)])) { _ in
                calls += 1; return false
            })
        XCTAssertEqual(calls, 1)
    }
}

private struct TemplateMaker {
    var open = "{{"
    var close = "}}"
    var depth = 0

    mutating func roll(_ n: Int) -> Int { Int.random(in: 0..<n) }

    mutating func template() -> String { (0..<(1 + roll(6))).map { _ in piece(inList: false) }.joined() }

    mutating func tag(_ body: String) -> String { open + body + close }

    mutating func piece(inList: Bool) -> String {
        let indent = ["", " ", "  ", "\t", "x "][roll(5)]
        let end = ["", "\n", "\n", " \n", "\r\n", " y"][roll(6)]
        switch roll(14) {
        // (A lone "{" at the very end fails swift-mustache's parse; it is text to danectl.)
        case 0, 1: return ["text", " ", "a b", "\n", "  \n", "<&>", "}", "{x"][roll(8)]
        case 2, 3:
            // Lists and objects print as Swift's descriptions in swift-mustache: not compared.
            let names = ["name", "n", "zero", "t", "f", "s", "missing", "obj.name", "obj.deep.v"]
            let name = names[roll(names.count)]
            let form = roll(4)
            if form == 0, open == "{{" { return indent + "{{{" + name + "}}}" + end }
            return indent + tag((form == 1 ? "&" : form == 2 ? " " : "") + name + (form == 2 ? " " : "")) + end
        case 4, 5, 6:
            guard depth < 3 else { return "d" }
            depth += 1
            defer { depth -= 1 }
            var names = ["t", "f", "items", "empty", "obj", "name", "missing", "n", "zero", "s", "words", "obj.deep"]
            if inList { names += ["first()", "last()", "even()", "odd()"] }
            names += ["empty(items)", "first(items)", "equalzero(zero)", "even(n)"]
            let name = names[roll(names.count)]
            let sign = roll(3) == 0 ? "^" : "#"
            let inner = (0..<roll(4)).map { _ in piece(inList: inList || name == "items" || name == "words") }.joined()
            let innerIndent = ["", "  ", "\t"][roll(3)]
            return indent + tag(sign + name) + end + inner + innerIndent + tag("/" + name)
                + ["", "\n", " \n", " z"][roll(4)]
        case 7: return indent + tag("! note " + ["", "}", "x"][roll(3)]) + end
        case 8:
            if inList { return indent + tag(["index()", "uppercased(name)", "count(items)"][roll(3)]) + end }
            return indent
                + tag(
                    ["uppercased(name)", "lowercased(obj.name)", "reversed(name)", "count(items)", "plusone(n)"][
                        roll(5)]) + end
        case 9:
            guard roll(3) == 0 else { return "w" }
            // (One-character delimiters crash swift-mustache at a section end: not compared.)
            let pair = [("<%", "%>"), ("[[", "]]"), ("{{", "}}"), ("<<", ">>")][roll(4)]
            let text = indent + tag("=" + pair.0 + " " + pair.1 + "=") + end
            (open, close) = pair
            return text
        case 10: return indent + tag("% CONTENT_TYPE: " + ["TEXT", "HTML"][roll(2)]) + end
        default: return ["\n", " ", "word", "\t\n"][roll(4)]
        }
    }
}
