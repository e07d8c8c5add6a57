import Foundation
import XCTest
import YAMLKit
import Yams

/// danectl composes descriptions itself (libyaml's events, anchors resolved, repeated keys
/// refused); Yams composed them before and is kept here only as the reference: the same
/// documents give the same trees, the same faults the same places.
final class YAMLComposerTests: XCTestCase {
    /// What Yams makes of `text`: the tree as YAMLKit's values, or the fault as danectl's.
    private func reference(_ text: String) -> Result<YAMLValue?, YAMLComposeError> {
        do {
            return .success(try Yams.compose(yaml: text, .basic).map(Self.value))
        } catch let error as YamlError {
            switch error {
            case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
                let .composer(context, problem, mark, _):
                return .failure(
                    .syntax(
                        problem: problem, line: mark.line, column: mark.column,
                        context: context.map { .init(text: $0.text, line: $0.mark.line, column: $0.mark.column) }))
            case let .duplicatedKeysInMapping(duplicates, context):
                return .failure(.duplicateKeys(duplicates, line: context.mark.line, column: context.mark.column))
            case let .reader(problem, _, _, _):
                return .failure(.unreadable(problem: problem))
            default:
                return .failure(.unreadable(problem: "\(error)"))
            }
        } catch {
            return .failure(.unreadable(problem: "\(error)"))
        }
    }

    private static func value(_ node: Node) -> YAMLValue {
        let (line, column) = (node.mark?.line ?? 0, node.mark?.column ?? 0)
        switch node {
        case .scalar(let scalar):
            return YAMLValue(
                kind: .scalar, style: YAMLValue.Style(rawValue: UInt8(scalar.style.rawValue)) ?? .any, line: line,
                column: column, text: scalar.string)
        case .mapping(let mapping):
            return YAMLValue(
                kind: .mapping, line: line, column: column,
                children: mapping.flatMap { [value($0.key), value($0.value)] })
        case .sequence(let sequence):
            return YAMLValue(kind: .sequence, line: line, column: column, children: sequence.map(value))
        case .alias:
            return YAMLValue(kind: .scalar, line: line, column: column)
        }
    }

    private func ours(_ text: String) -> Result<YAMLValue?, YAMLComposeError> {
        Result { () throws(YAMLComposeError) -> YAMLValue? in try YAMLComposer.compose(Array(text.utf8)) }
    }

    private func assertSame(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let (expected, got) = (reference(text), ours(text))
        switch (expected, got) {
        case (.success(let a), .success(let b)):
            XCTAssertEqual(a.map(Self.dump), b.map(Self.dump), text, file: file, line: line)
        case (.failure(let a), .failure(let b)):
            XCTAssertEqual(a, b, text, file: file, line: line)
        default:
            XCTFail("Yams: \(expected)\nYAMLKit: \(got)\nfor: \(text)", file: file, line: line)
        }
    }

    /// Every field, so two trees compare whole.
    private static func dump(_ value: YAMLValue) -> String {
        "\(value.kind)/\(value.style)@\(value.line):\(value.column)[\(value.text)](\(value.children.map(dump).joined(separator: ",")))"
    }

    func testHandPickedDocuments() {
        let documents = [
            "", "# only a comment\n", "---\n", "a: 1\n", "- x\n- y\n", "a: &x {b: 1}\nc: *x\n",
            "a: &x [1, 2]\nb: [*x, *x]\n", "a: *missing\n", "a: &x [*x]\n", "a: 1\na: 2\n", "b: 1\na: 1\nb: 2\na: 3\n",
            "'a': 1\na: 2\n", "--- a\n--- b\n", "%YAML 1.1\n---\na: 1\n",
            "%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\n",
            "a: !!str 5\nb: !custom [1]\n", "a: \"unclosed\n", "a: [1, 2\n", "a: {b: 1\n", "a:\n  - b\n - c\n",
            "a: |\n  literal\n  text\nb: >\n  folded\n  text\n", "? complex\n: value\n",
            "a: 'it''s'\nb: \"\\u00e9\\n\"\n",
            "\t- tab\n", "a: b: c\n", "[a, b]: 1\n", "-\n  - nested\n", "ünï: cødé\n", "a: @reserved\n",
            "key: value\n...\n", "&a a: *a\n",
        ]
        for document in documents { assertSame(document) }
    }

    /// Random documents in block and flow style, with anchors, aliases, tags, quotes, repeated
    /// keys, extra documents, and one character changed in a third of them.
    func testRandomDocuments() {
        var generator = SystemRandomNumberGenerator()
        var tried = 0
        var faults = 0
        for _ in 0..<1_500 {
            var maker = DocumentMaker(generator: generator)
            var text = maker.document()
            generator = maker.generator
            if Int.random(in: 0..<3, using: &generator) == 0, !text.isEmpty {
                var bytes = Array(text.utf8)
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                let swaps: [UInt8] = Array("\"'[]{}:,-&*!#|> \n\t?".utf8)
                bytes[at] = swaps.randomElement(using: &generator)!
                text = String(decoding: bytes, as: UTF8.self)
            }
            if case .failure = reference(text) { faults += 1 }
            assertSame(text)
            tried += 1
        }
        XCTAssertEqual(tried, 1_500)
        XCTAssertGreaterThan(faults, 100, "the faults are exercised too")
    }

    /// YAML 1.1's integer spellings read as Yams's `Int` read them, and a number too large for
    /// an Int is nil instead of a trap.
    func testIntegersAsYamsReadsThem() {
        var spellings = [
            "0", "7", "-7", "+7", "1_000", "0x1F", "-0x1f", "0b101", "0o17", "017", "08", "0", "-0", "+0", "1:30",
            "-1:30:00", "190:20:30", "1::2", ":5", "5:", "0x", "", "_", "1e3", "1.0", "٣", "0x_1",
            "9223372036854775807",
            "9223372036854775808", "-9223372036854775808",
        ]
        let alphabet = Array("0123456789abxo_:+-")
        for _ in 0..<20_000 {
            let length = Int.random(in: 1...7)
            spellings.append(String((0..<length).map { _ in alphabet.randomElement()! }))
        }
        for text in spellings {
            let yams = Node.scalar(Node.Scalar(text, Tag(.implicit), .plain)).int
            XCTAssertEqual(YAMLInteger.value(text), yams, text)
        }
        XCTAssertNil(YAMLInteger.value("9223372036854775807:1"), "too large for an Int")
        XCTAssertNil(YAMLInteger.value("-153722867280912930:59:59"), "too large for an Int")
    }
}

/// Random YAML text. Keys are plain distinct-looking words, so a repeat is meant, not chance.
private struct DocumentMaker {
    var generator: SystemRandomNumberGenerator
    var anchors: [String] = []
    var depth = 0

    mutating func roll(_ n: Int) -> Int { Int.random(in: 0..<n, using: &generator) }

    mutating func document() -> String {
        var text = roll(10) == 0 ? "%YAML 1.1\n---\n" : (roll(4) == 0 ? "---\n" : "")
        text += block(indent: 0)
        if roll(15) == 0 { text += "---\nsecond: document\n" }
        return text
    }

    mutating func scalar() -> String {
        let words = ["a", "b", "mx1.example.com", "10", "0x1F", "true", "", "~", "it's", "ünï", "1:30", "x y"]
        let word = words[roll(words.count)]
        switch roll(4) {
        case 0: return "'" + word.replacingOccurrences(of: "'", with: "''") + "'"
        case 1: return "\"" + word + "\""
        default: return word.isEmpty || word.contains("'") || word.contains(" ") ? "\"\(word)\"" : word
        }
    }

    mutating func decorated(_ body: String) -> String {
        var prefix = ""
        if roll(8) == 0 {
            let name = "n\(anchors.count)"
            anchors.append(name)
            prefix += "&\(name) "
        }
        if roll(10) == 0 { prefix += ["!!str ", "!custom ", "!!map ", "!e "].randomElement()! }
        return prefix + body
    }

    mutating func flow() -> String {
        depth += 1
        defer { depth -= 1 }
        if !anchors.isEmpty, roll(6) == 0 { return "*" + anchors[roll(anchors.count)] }
        if depth > 3 { return decorated(scalar()) }
        switch roll(3) {
        case 0:
            return decorated("[" + (0..<roll(4)).map { _ in flow() }.joined(separator: ", ") + "]")
        case 1:
            var keys = (0..<roll(4)).map { "k\($0)" }
            if roll(6) == 0, let first = keys.first { keys.append(first) }
            return decorated("{" + keys.map { "\($0): \(flow())" }.joined(separator: ", ") + "}")
        default:
            return decorated(scalar())
        }
    }

    mutating func block(indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        var keys = (0..<(1 + roll(4))).map { "key\($0)" }
        if roll(6) == 0 { keys.insert(keys[roll(keys.count)], at: roll(keys.count)) }
        var text = ""
        for key in keys {
            if indent < 6, roll(4) == 0 {
                text += "\(pad)\(key):\n"
                if roll(2) == 0 {
                    text += block(indent: indent + 2)
                } else {
                    for _ in 0..<(1 + roll(3)) { text += "\(pad)  - \(flow())\n" }
                }
            } else {
                text += "\(pad)\(key): \(flow())\n"
            }
        }
        return text
    }
}
