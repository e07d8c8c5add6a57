internal import CYAML

/// One node of a YAML document as a plain value: its text (scalars), its children (a
/// sequence's items; a mapping's keys and values, alternating) and where it starts. About a
/// tenth of the memory of a composed tree that keeps a tag object per node: a
/// provider's description lists 100,000 domains.
public struct YAMLValue: Sendable {
    public enum Kind: UInt8, Sendable { case scalar, mapping, sequence }

    /// libyaml's scalar styles, by the same numbers.
    public enum Style: UInt8, Sendable { case any = 0, plain, singleQuoted, doubleQuoted, literal, folded }

    public let kind: Kind
    public let style: Style
    /// 1-based, as editors count; the column in characters, as libyaml counts.
    public let line: Int32
    public let column: Int32
    /// A scalar's text; empty for a collection.
    public let text: String
    public let children: [YAMLValue]

    public init(kind: Kind, style: Style = .any, line: Int, column: Int, text: String = "", children: [YAMLValue] = [])
    {
        self.kind = kind
        self.style = style
        self.line = Int32(clamping: line)
        self.column = Int32(clamping: column)
        self.text = text
        self.children = children
    }

    /// A mapping's entries in document order.
    public var pairs: [(key: YAMLValue, value: YAMLValue)] {
        guard kind == .mapping else { return [] }
        return stride(from: 0, to: children.count - 1, by: 2).map { (children[$0], children[$0 + 1]) }
    }
}

/// Reads a document straight from libyaml's events into `YAMLValue`s.
///
/// It takes on only the plain case: one document without anchors, aliases, tags or
/// directives, whose mappings have distinct scalar keys. For anything else, and for any
/// syntax error, it answers nil and the caller composes the text with `YAMLComposer`, whose
/// diagnostics and alias resolution are the reference: this reader never has to word an error.
public enum YAMLTreeReader {
    public static func document(_ bytes: [UInt8]) -> YAMLValue? {
        switch document(bytes, streaming: nil, begin: { _ in }, item: { _ in }) {
        case .whole(let root): root
        default: nil
        }
    }

    /// What `document(_:streaming:begin:item:)` did.
    public enum Streamed {
        /// Nothing was streamed (no such list); the whole document.
        case whole(YAMLValue)
        /// The list's items went to `item`; the document, with that list left empty.
        case streamed(YAMLValue)
        /// The list's items went to `item`, but more entries followed it, which its items
        /// could not see: read the document whole.
        case entriesFollowed
        /// Not the plain case (see above), maybe after some items were handed out.
        case unsupported
    }

    /// Reads the document, handing the items of the root mapping's list under `key` to `item`
    /// one by one as they are read instead of keeping them: a provider's `domains:` list then
    /// never sits in memory whole. `begin` first gets the root's entries read so far, with the
    /// list present but empty.
    public static func document(
        _ bytes: [UInt8], streaming key: String?, begin: (YAMLValue) -> Void, item: (YAMLValue) -> Void
    ) -> Streamed {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return .unsupported }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeBufferPointer { buffer -> Streamed in
            guard let base = buffer.baseAddress else { return .unsupported }
            yaml_parser_set_input_string(&parser, base, buffer.count)
            return read(&parser, streaming: key, begin: begin, item: item)
        }
    }

    /// A collection being read: its start and the children so far.
    private struct Open {
        let kind: YAMLValue.Kind
        let line: Int
        let column: Int
        var children: [YAMLValue] = []
        /// A large mapping's keys so far, to find a repeated one (a small one's are compared
        /// in place: most hold two to five keys, and a set each cost a provider's 400,000
        /// mappings an allocation and a hash per key).
        var keys: Set<String> = []
        /// The streamed list: its items are handed out, not kept.
        var streamed = false

        /// From this many keys on, a mapping keeps them in `keys`.
        static let keySetFrom = 16

        /// Adds `key`, arriving as the next child of this mapping; false when it is already a key.
        mutating func insertKey(_ key: String) -> Bool {
            let count = children.count / 2
            if count < Self.keySetFrom {
                return !stride(from: 0, to: children.count, by: 2).contains { children[$0].text == key }
            }
            if keys.isEmpty { keys = Set(stride(from: 0, to: children.count, by: 2).map { children[$0].text }) }
            return keys.insert(key).inserted
        }
    }

    private static func read(
        _ parser: inout yaml_parser_t, streaming key: String?, begin: (YAMLValue) -> Void, item: (YAMLValue) -> Void
    ) -> Streamed {
        var stack: [Open] = []
        var root: YAMLValue?
        var documents = 0
        var didStream = false
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { return .unsupported }
            defer { yaml_event_delete(&event) }
            let line = Int(event.start_mark.line) + 1
            let column = Int(event.start_mark.column) + 1
            var finished: YAMLValue?
            switch event.type {
            case YAML_STREAM_START_EVENT, YAML_DOCUMENT_END_EVENT:
                continue
            case YAML_STREAM_END_EVENT:
                guard documents == 1, let root else { return .unsupported }
                return didStream ? .streamed(root) : .whole(root)
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                let start = event.data.document_start
                guard documents == 1, start.version_directive == nil,
                    start.tag_directives.start == start.tag_directives.end
                else { return .unsupported }
                continue
            case YAML_ALIAS_EVENT:
                return .unsupported
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                guard scalar.anchor == nil, scalar.tag == nil,
                    let style = YAMLValue.Style(rawValue: UInt8(truncatingIfNeeded: scalar.style.rawValue))
                else { return .unsupported }
                let text =
                    scalar.length == 0
                    ? ""
                    : String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                finished = YAMLValue(kind: .scalar, style: style, line: line, column: column, text: text)
            case YAML_SEQUENCE_START_EVENT:
                guard event.data.sequence_start.anchor == nil, event.data.sequence_start.tag == nil else {
                    return .unsupported
                }
                var list = Open(kind: .sequence, line: line, column: column)
                if let key, stack.count == 1, stack[0].kind == .mapping, stack[0].children.count % 2 == 1,
                    stack[0].children.last?.text == key
                {
                    list.streamed = true
                    didStream = true
                    let empty = YAMLValue(kind: .sequence, line: line, column: column)
                    begin(
                        YAMLValue(
                            kind: .mapping, line: stack[0].line, column: stack[0].column,
                            children: stack[0].children + [empty]))
                }
                stack.append(list)
                continue
            case YAML_MAPPING_START_EVENT:
                guard event.data.mapping_start.anchor == nil, event.data.mapping_start.tag == nil else {
                    return .unsupported
                }
                stack.append(Open(kind: .mapping, line: line, column: column))
                continue
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let open = stack.popLast() else { return .unsupported }
                finished = YAMLValue(kind: open.kind, line: open.line, column: open.column, children: open.children)
            default:
                return .unsupported
            }
            guard let value = finished else { continue }
            guard !stack.isEmpty else {
                root = value
                continue
            }
            if stack[stack.count - 1].streamed {
                item(value)
                continue
            }
            if stack[stack.count - 1].kind == .mapping, stack[stack.count - 1].children.count % 2 == 0 {
                // A key: a scalar, and not one this mapping already has.
                guard value.kind == .scalar, stack[stack.count - 1].insertKey(value.text) else {
                    return .unsupported
                }
                // The streamed list's items have been read without this entry.
                if didStream, stack.count == 1 { return .entriesFollowed }
            }
            stack[stack.count - 1].children.append(value)
        }
    }
}
