/// A Mustache template, parsed once and rendered any number of times.
///
/// What it reads: `{{name}}` (HTML-escaped) and `{{{name}}}` / `{{&name}}` (as is), dotted
/// names and `{{.}}`, sections `{{#name}}...{{/name}}` over lists, booleans and objects,
/// inverted sections `{{^name}}`, comments `{{! }}`, new delimiters `{{=<% %>=}}`, and
/// `{{% CONTENT_TYPE: TEXT}}` (nothing escaped after it). Functions in the style of
/// swift-mustache, the engine danectl used before: `{{#first()}}`, `{{index()}}`, `last()`,
/// `even()`, `odd()` inside a list, and `lowercased(x)`, `uppercased(x)`, `reversed(x)`,
/// `count(x)`, `empty(x)`, `first(x)`, `last(x)`, `plusone(x)`, `minusone(x)`,
/// `equalzero(x)`, `even(x)`, `odd(x)` on values. Lines holding only a section, comment or
/// delimiter tag are left out of the output, as the Mustache specification says. Partials
/// and template inheritance are refused when the template is parsed: danectl renders one
/// file.
public struct Template: Sendable {
    let nodes: [Node]

    public init(_ text: String) throws(TemplateError) {
        var parser = TemplateParser(text)
        nodes = try parser.parseAll()
    }
}

/// Why a template does not parse, and where (1-based line).
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let problem: String
    public var description: String { "line \(line): \(problem)" }
}

/// One piece of a parsed template.
indirect enum Node: Sendable {
    case text(String)
    case variable(Reference, escaped: Bool)
    case section(Reference, [Node], inverted: Bool)
    /// `{{% CONTENT_TYPE: TEXT}}` (false) or `HTML` (true): escaping from here on.
    case escaping(Bool)
}

/// A name as a tag writes it: `.`, `a.b.c`, `.a` (the current value only), with functions.
struct Reference: Sendable, Equatable {
    let text: String
    let names: [String]
    let isCurrent: Bool
    let currentOnly: Bool
    /// Innermost first: `f(g(x))` is `[g, f]`.
    let functions: [String]

    init(_ text: String, names: String, functions: [String]) {
        self.text = text
        isCurrent = names == "."
        currentOnly = names.hasPrefix(".") && names != "."
        self.names = names.split(separator: ".").map(String.init)
        self.functions = functions
    }
}

struct TemplateParser {
    /// Sections nested deeper than this are refused: parsing and rendering recurse per level,
    /// and a few thousand levels would overflow the stack (whatever the delimiters).
    static let maximumNesting = 64

    private let text: [Character]
    private var depth = 0
    private var position = 0
    private var open: [Character] = ["{", "{"]
    private var close: [Character] = ["}", "}"]
    /// At the start of a line with nothing printed on it yet (a tag here may stand alone).
    private var atLineStart = true

    init(_ text: String) { self.text = Array(text) }

    mutating func parseAll() throws(TemplateError) -> [Node] {
        let (nodes, _) = try parse(section: nil)
        return nodes
    }

    private var line: Int { text[..<min(position, text.count)].filter { $0 == "\n" || $0 == "\r\n" }.count + 1 }

    private func fail(_ problem: String) -> TemplateError { TemplateError(line: line, problem: problem) }

    /// Nodes up to the end of `section` (its closing tag consumed), or of the text.
    private mutating func parse(section: Reference?) throws(TemplateError) -> ([Node], Bool) {
        var nodes: [Node] = []
        var indent = ""
        while position < text.count {
            if atLineStart {
                indent = ""
                while position < text.count, text[position] == " " || text[position] == "\t" {
                    indent.append(text[position])
                    position += 1
                }
            }
            let plain = readText()
            if position < text.count, text[position].isNewline {
                nodes.append(.text(indent + plain + String(text[position])))
                position += 1
                indent = ""
                atLineStart = true
                continue
            }
            if !plain.isEmpty {
                nodes.append(.text(indent + plain))
                indent = ""
                atLineStart = false
            }
            guard position < text.count else { break }
            // At a tag: the opening delimiter has been read.
            var standalone = false
            let kind = text[position]
            switch kind {
            case "#", "^":
                position += 1
                let reference = try readReference()
                standalone = takeLineIfStandalone()
                if !standalone, !indent.isEmpty { nodes.append(.text(indent)) }
                indent = ""
                let saved = atLineStart
                atLineStart = standalone
                depth += 1
                guard depth <= Self.maximumNesting else {
                    throw fail("sections are nested more than \(Self.maximumNesting) deep")
                }
                let (inner, _) = try parse(section: reference)
                depth -= 1
                atLineStart = saved
                nodes.append(.section(reference, inner, inverted: kind == "^"))
            case "/":
                position += 1
                let reference = try readReference()
                guard let section, reference.text == section.text else {
                    throw fail(
                        "{{/\(reference.text)}} closes no open section"
                            + (section.map { " ({{#\($0.text)}} is open)" } ?? ""))
                }
                standalone = takeLineIfStandalone()
                if !standalone, !indent.isEmpty { nodes.append(.text(indent)) }
                return (nodes, true)
            case "!":
                position += 1
                guard let end = find(close) else { throw fail("a comment is not closed") }
                position = end + close.count
                standalone = takeLineIfStandalone()
            case "{":
                if !indent.isEmpty { nodes.append(.text(indent)) }
                indent = ""
                position += 1
                let reference = try readReference()
                // The name's own closing delimiter is read; one more brace closes the triple.
                guard position < text.count, text[position] == "}" else {
                    throw fail("{{{\(reference.text) is not closed with }}}")
                }
                position += 1
                nodes.append(.variable(reference, escaped: false))
            case "&":
                if !indent.isEmpty { nodes.append(.text(indent)) }
                indent = ""
                position += 1
                nodes.append(.variable(try readReference(), escaped: false))
            case "=":
                position += 1
                try readDelimiters()
                standalone = takeLineIfStandalone()
            case "%":
                position += 1
                nodes.append(try readPragma())
                standalone = takeLineIfStandalone()
            case ">", "<", "$":
                throw fail(
                    "partials and template inheritance ({{\(kind)...}}) are not supported: keep the template in one file"
                )
            default:
                if !indent.isEmpty { nodes.append(.text(indent)) }
                indent = ""
                nodes.append(.variable(try readReference(), escaped: true))
            }
            atLineStart = standalone
        }
        if let section { throw fail("{{#\(section.text)}} is never closed") }
        return (nodes, false)
    }

    /// Text up to the next opening delimiter (consumed) or line break (not consumed).
    private mutating func readText() -> String {
        var plain = ""
        while position < text.count {
            let character = text[position]
            if character.isNewline { break }
            if character == open[0], matches(open, at: position) {
                position += open.count
                return plain
            }
            plain.append(character)
            position += 1
        }
        return plain
    }

    private func matches(_ delimiter: [Character], at index: Int) -> Bool {
        index + delimiter.count <= text.count && Array(text[index..<index + delimiter.count]) == delimiter
    }

    private func find(_ delimiter: [Character]) -> Int? {
        var index = position
        while index + delimiter.count <= text.count {
            if matches(delimiter, at: index) { return index }
            index += 1
        }
        return nil
    }

    /// After a tag: when it began its line and only spaces and a line break (or the end)
    /// follow, that rest of the line is consumed and the tag stands alone.
    private mutating func takeLineIfStandalone() -> Bool {
        guard atLineStart else { return false }
        if position >= text.count { return true }
        var index = position
        while index < text.count, text[index] == " " || text[index] == "\t" { index += 1 }
        guard index < text.count, text[index].isNewline else { return false }
        position = index + 1
        return true
    }

    private static let nameCharacters = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_?*()")

    private mutating func skipSpaces() { _ = read { $0.isWhitespace } }

    /// The characters from here on that satisfy `accept`, consumed.
    private mutating func read(while accept: (Character) -> Bool) -> String {
        var taken = ""
        while position < text.count, accept(text[position]) {
            taken.append(text[position])
            position += 1
        }
        return taken
    }

    private mutating func expectClose(_ name: String) throws(TemplateError) {
        guard matches(close, at: position) else {
            throw fail("the tag {{\(name) is not closed with \(String(close))")
        }
        position += close.count
    }

    /// A name with its functions, then the closing delimiter.
    private mutating func readReference() throws(TemplateError) -> Reference {
        skipSpaces()
        let raw = read { Self.nameCharacters.contains($0) }
        skipSpaces()
        try expectClose(raw)
        guard let open = raw.firstIndex(of: "(") else {
            guard !raw.contains(")") else { throw fail("\"\(raw)\" is not a name") }
            return Reference(raw, names: raw, functions: [])
        }
        // f(g(x)): names before each "(", the argument inside, one ")" for each.
        var functions: [String] = []
        var rest = Substring(raw)
        var cut = open
        while true {
            functions.append(String(rest[..<cut]))
            rest = rest[rest.index(after: cut)...]
            guard let next = rest.firstIndex(of: "(") else { break }
            cut = next
        }
        let argument = rest.prefix { $0 != ")" }
        let closers = rest.dropFirst(argument.count)
        guard closers.count == functions.count, closers.allSatisfy({ $0 == ")" }),
            functions.allSatisfy({ !$0.isEmpty && !$0.contains(")") })
        else { throw fail("\"\(raw)\" is not a function call") }
        return Reference(raw, names: String(argument), functions: functions.reversed())
    }

    private mutating func readDelimiters() throws(TemplateError) {
        skipSpaces()
        let start = Array(read { !$0.isWhitespace })
        skipSpaces()
        let end = Array(read { !$0.isWhitespace && $0 != "=" })
        skipSpaces()
        guard position < text.count, text[position] == "=", !start.isEmpty, !end.isEmpty else {
            throw fail("a delimiter change is written {{=<% %>=}}")
        }
        position += 1
        try expectClose("=")
        open = start
        close = end
    }

    private mutating func readPragma() throws(TemplateError) -> Node {
        skipSpaces()
        let name = read { $0.isLetter || $0 == "_" }
        skipSpaces()
        guard position < text.count, text[position] == ":" else { throw fail("a setting is written {{% NAME: VALUE}}") }
        position += 1
        skipSpaces()
        let value = read { $0.isLetter || $0 == "_" }
        skipSpaces()
        try expectClose("%")
        guard name == "CONTENT_TYPE", value == "TEXT" || value == "HTML" else {
            throw fail("unknown setting {{% \(name): \(value)}}; known: CONTENT_TYPE: TEXT or HTML")
        }
        return .escaping(value == "HTML")
    }
}
