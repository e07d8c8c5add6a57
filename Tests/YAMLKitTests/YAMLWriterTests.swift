import Foundation
import XCTest
import YAMLKit
import Yams

/// The octoDNS files are written by YAMLWriter on libyaml's emitter; Yams wrote them before.
/// The same trees must give byte-identical text, and strings must be quoted exactly where
/// Yams's resolver (YAML 1.1's implicit types) would read them as something else.
final class YAMLWriterTests: XCTestCase {
    /// What Yams wrote for the same tree: strings represented by Yams, integers as `Int`s.
    private static func yams(_ node: YAMLNode) -> Node {
        switch node {
        case .text(let text, _): return Node.scalar(text.represented())
        case .integer(let number): return Node.scalar(number.represented())
        case .mapping(let pairs): return Node(pairs.map { (yams($0.key), yams($0.value)) }, Tag(.map))
        case .sequence(let items): return Node(items.map(yams), Tag(.seq))
        }
    }

    private let resolver = YAMLResolver()

    /// Strings that probe each implicit type, its edges, and the text octoDNS files hold.
    private var probes: [String] {
        [
            "", "~", "null", "Null", "NULL", "nULL", "true", "True", "tRUE", "yes", "Yes", "no", "on", "OFF", "y", "n",
            "0", "10", "-10", "+1", "010", "08", "0o17", "0b101", "0b2", "0x1F", "0xG", "1_000", "1:30", "1:60",
            "190:20:30", "1.5", ".5", "1e3", "1.0e+3", "1e+3", ".inf", "-.Inf", ".NaN", ".nan", "<<", "=", "==",
            "2026-12-07", "2026-12-7", "2026-12-07T10:00:00Z", "2026-12-07 10:00:00.5 +01:00", "2026-1-1",
            "true\n", "10\n", "10\r\n", "10\n\n", "null\u{2028}", "10 ", " 10", "1\u{301}",
            "_25._tcp.mx1", "_smtp._tls", "mx1.example.com.", "TLSA", "MX", "TXT", "ttl", "type", "value", "values",
            "v=TLSRPTv1\\; rua=mailto:tlsrpt@example.com", "3 1 1", "a: b", "a #b", "#x", "- x", "'quoted'",
            "\"dq\"", "line\nbreak", "tab\there", "ünïcødé", "✉️", "\u{7f}", "\u{1b}[31m", "key:", "?", "@x", "`x",
            "!tag", "&a", "*a", "|", ">", "%", String(repeating: "0123456789", count: 13),
        ]
    }

    func testQuotingDecisionsAreYams() {
        var random = probes
        let alphabet = Array("0123456789abexoINFnaul_.:+-~=< TtZ\n")
        for _ in 0..<20_000 {
            random.append(String((0..<Int.random(in: 0...10)).map { _ in alphabet.randomElement()! }))
        }
        for text in random {
            let yamsQuotes = text.represented().style == .singleQuoted
            XCTAssertEqual(!resolver.readsAsString(text), yamsQuotes, "\(text.debugDescription)")
        }
    }

    func testDocumentsAreByteIdenticalToYams() throws {
        var generator = SystemRandomNumberGenerator()
        let strings = probes
        func tree(_ depth: Int) -> YAMLNode {
            switch depth > 2 ? 0 : Int.random(in: 0..<4, using: &generator) {
            case 0: return resolver.node(strings.randomElement(using: &generator)!)
            case 1: return .integer(Int.random(in: -100_000...100_000, using: &generator))
            case 2:
                return .mapping(
                    (0..<Int.random(in: 0...4, using: &generator)).map { _ in
                        (resolver.node(strings.randomElement(using: &generator)!), tree(depth + 1))
                    })
            default: return .sequence((0..<Int.random(in: 0...4, using: &generator)).map { _ in tree(depth + 1) })
            }
        }
        var compared = 0
        for _ in 0..<3_000 {
            let root = tree(0)
            let expected = try Yams.serialize(node: Self.yams(root), width: -1, allowUnicode: true)
            XCTAssertEqual(YAMLWriter.document(root), expected)
            compared += 1
        }
        XCTAssertEqual(compared, 3_000)
    }
}
