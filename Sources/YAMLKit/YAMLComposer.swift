internal import CYAML

/// Why a text could not be composed into one YAML document. Lines and columns are 1-based,
/// columns counted in characters as libyaml counts them.
public enum YAMLComposeError: Error, Sendable, Equatable {
    /// The scanner, the parser or the composer stopped at `line`:`column`. `context` is where
    /// the construct it was reading began (an unclosed quote, a flow mapping), when libyaml
    /// knows it: that is where the fix goes.
    case syntax(problem: String, line: Int, column: Int, context: Context?)
    /// The bytes are not text libyaml can read (invalid UTF-8, a control character).
    case unreadable(problem: String)
    /// A mapping holds these keys more than once; the place is the first of the first key's.
    case duplicateKeys([String], line: Int, column: Int)

    public struct Context: Sendable, Equatable {
        public let text: String
        public let line: Int
        public let column: Int
        public init(text: String, line: Int, column: Int) {
            self.text = text
            self.line = line
            self.column = column
        }
    }
}

/// The full composer: any document libyaml parses, anchors and aliases resolved, tags and
/// directives accepted (values are read from their text, so tags change nothing), exactly one
/// document. `YAMLTreeReader` takes the plain case faster; this one takes the rest and words
/// what is wrong.
public enum YAMLComposer {
    /// The document in `bytes`, or nil when the stream holds none (an empty file, comments only).
    public static func compose(_ bytes: [UInt8]) throws(YAMLComposeError) -> YAMLValue? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw .unreadable(problem: "out of memory")
        }
        defer { yaml_parser_delete(&parser) }
        // libyaml wants a pointer even for no input: an empty text reads one byte of storage, none of it.
        let input = bytes.isEmpty ? [0] : bytes
        let result: Result<YAMLValue?, YAMLComposeError> = input.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress!, bytes.count)
            var composer = Composer()
            return Result { () throws(YAMLComposeError) -> YAMLValue? in try composer.run(&parser) }
        }
        return try result.get()
    }

    /// A collection being read.
    private struct Open {
        let kind: YAMLValue.Kind
        let line: Int
        let column: Int
        let anchor: String?
        var children: [YAMLValue] = []
    }

    private struct Composer {
        var anchors: [String: YAMLValue] = [:]
        var stack: [Open] = []

        mutating func run(_ parser: inout yaml_parser_t) throws(YAMLComposeError) -> YAMLValue? {
            var root: YAMLValue?
            var documents = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { throw Self.failure(parser) }
                defer { yaml_event_delete(&event) }
                let line = Int(event.start_mark.line) + 1
                let column = Int(event.start_mark.column) + 1
                var finished: (value: YAMLValue, anchor: String?)?
                switch event.type {
                case YAML_STREAM_START_EVENT, YAML_DOCUMENT_END_EVENT:
                    continue
                case YAML_STREAM_END_EVENT:
                    return root
                case YAML_DOCUMENT_START_EVENT:
                    documents += 1
                    guard documents == 1 else {
                        throw .syntax(
                            problem: "but found another document", line: line, column: column,
                            context: .init(text: "expected a single document in the stream", line: 1, column: 1))
                    }
                    anchors = [:]
                    continue
                case YAML_ALIAS_EVENT:
                    let name = Self.text(event.data.alias.anchor)
                    guard let name, let value = anchors[name] else {
                        throw .syntax(problem: "found undefined alias", line: line, column: column, context: nil)
                    }
                    finished = (value, nil)
                case YAML_SCALAR_EVENT:
                    let scalar = event.data.scalar
                    let text =
                        scalar.length == 0
                        ? ""
                        : String(
                            decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                    let style = YAMLValue.Style(rawValue: UInt8(truncatingIfNeeded: scalar.style.rawValue)) ?? .any
                    finished = (
                        YAMLValue(kind: .scalar, style: style, line: line, column: column, text: text),
                        Self.text(scalar.anchor)
                    )
                case YAML_SEQUENCE_START_EVENT:
                    stack.append(
                        Open(
                            kind: .sequence, line: line, column: column,
                            anchor: Self.text(event.data.sequence_start.anchor)))
                    continue
                case YAML_MAPPING_START_EVENT:
                    stack.append(
                        Open(
                            kind: .mapping, line: line, column: column,
                            anchor: Self.text(event.data.mapping_start.anchor)))
                    continue
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    guard let open = stack.popLast() else { continue }
                    if open.kind == .mapping { try Self.checkKeys(open.children) }
                    finished = (
                        YAMLValue(kind: open.kind, line: open.line, column: open.column, children: open.children),
                        open.anchor
                    )
                default:
                    continue
                }
                guard let (value, anchor) = finished else { continue }
                if let anchor { anchors[anchor] = value }
                if stack.isEmpty {
                    root = value
                } else {
                    stack[stack.count - 1].children.append(value)
                }
            }
        }

        /// Scalar keys that appear more than once, by their text (quoted or plain alike).
        static func checkKeys(_ children: [YAMLValue]) throws(YAMLComposeError) {
            var first: [String: YAMLValue] = [:]
            var repeated: Set<String> = []
            for index in stride(from: 0, to: children.count, by: 2) where children[index].kind == .scalar {
                let key = children[index]
                if first[key.text] == nil { first[key.text] = key } else { repeated.insert(key.text) }
            }
            guard let smallest = repeated.min(), let place = first[smallest] else { return }
            throw .duplicateKeys(repeated.sorted(), line: Int(place.line), column: Int(place.column))
        }

        static func text(_ bytes: UnsafeMutablePointer<UInt8>?) -> String? {
            bytes.map { String(cString: $0) }
        }

        static func failure(_ parser: yaml_parser_t) -> YAMLComposeError {
            let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
            if parser.error == YAML_READER_ERROR { return .unreadable(problem: problem) }
            let context = parser.context.map {
                YAMLComposeError.Context(
                    text: String(cString: $0), line: Int(parser.context_mark.line) + 1,
                    column: Int(parser.context_mark.column) + 1)
            }
            return .syntax(
                problem: problem, line: Int(parser.problem_mark.line) + 1,
                column: Int(parser.problem_mark.column) + 1, context: context)
        }
    }
}

/// YAML 1.1's spellings of an integer, as the descriptions have always been read: decimal
/// with `_` separators, `0x` hex, `0b` binary, `0o` or leading-zero octal, and base 60
/// (`1:30`), each with an optional sign. Nil for anything else, and for a value that does not
/// fit an Int (never a trap on a hostile number).
public enum YAMLInteger {
    public static func value(_ text: String) -> Int? {
        let digits = text.filter { $0 != "_" }
        if digits == "0" { return 0 }
        let negative = digits.hasPrefix("-")
        let signed = negative || digits.hasPrefix("+")
        let body = digits.dropFirst(signed ? 1 : 0)
        let sign = negative ? "-" : ""
        for (prefix, radix) in [("0x", 16), ("0b", 2), ("0o", 8), ("0", 8)] where body.hasPrefix(prefix) {
            return Int(sign + body.dropFirst(prefix.count), radix: radix)
        }
        guard body.contains(":") else { return Int(digits) }
        var total = 0
        for part in body.split(separator: ":", omittingEmptySubsequences: false) {
            guard let place = Int(part, radix: 10) else { return nil }
            let (shifted, over1) = total.multipliedReportingOverflow(by: 60)
            let (sum, over2) = shifted.addingReportingOverflow(place)
            guard !over1, !over2 else { return nil }
            total = sum
        }
        return negative ? (total == .min ? nil : -total) : total
    }
}
