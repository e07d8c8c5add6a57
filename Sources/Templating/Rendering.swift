import PlainText

/// Where rendered text goes, piece by piece; false stops the rendering (the sink failed).
public typealias TemplateSink = (String) -> Bool

extension Template {
    /// The whole text.
    public func render(_ root: TemplateValue) -> String {
        var out = ""
        _ = render(root) { piece in
            out += piece
            return true
        }
        return out
    }

    /// Renders into `sink` in pieces of about 64 KiB as the template is walked, so a long list
    /// is never held as one text; false when the sink refused a piece.
    @discardableResult
    public func render(_ root: TemplateValue, to sink: TemplateSink) -> Bool {
        // The renderer holds the sink only for this call.
        withoutActuallyEscaping(sink) { sink in
            var renderer = Renderer(sink: sink)
            renderer.stack = [Frame(value: root, sequence: nil)]
            renderer.walk(nodes)
            return renderer.flush()
        }
    }
}

/// A value on the context stack, with its place when it is an item of a list.
struct Frame {
    let value: TemplateValue
    let sequence: (index: Int, count: Int)?
}

struct Renderer {
    let sink: TemplateSink
    var stack: [Frame] = []
    var escaping = true
    var buffer = ""
    var failed = false

    init(sink: @escaping TemplateSink) {
        self.sink = sink
        buffer.reserveCapacity(1 << 16)
    }

    mutating func emit(_ text: String) {
        guard !failed else { return }
        buffer += text
        if buffer.utf8.count >= 1 << 16 { _ = flush() }
    }

    mutating func flush() -> Bool {
        guard !failed else { return false }
        if !buffer.isEmpty {
            failed = !sink(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
        return !failed
    }

    mutating func walk(_ nodes: [Node]) {
        // Escaping set by a pragma lasts to the end of the (section's) template, as in the
        // engine danectl used before.
        let saved = escaping
        defer { escaping = saved }
        for node in nodes {
            guard !failed else { return }
            switch node {
            case .text(let text): emit(text)
            case .escaping(let html): escaping = html
            case .variable(let reference, let escaped):
                guard let value = lookup(reference) else { continue }
                let text = Self.text(value)
                emit(escaped && escaping ? HTMLEscaping.escape(text) : text)
            case .section(let reference, let inner, let inverted):
                let value = lookup(reference)
                if inverted {
                    guard Self.isFalsy(value) else { continue }
                    // An empty list is the current value inside its inverted section (no list
                    // item's place any more), as in the engine danectl used before.
                    if case .list = value {
                        stack.append(Frame(value: .list([]), sequence: nil))
                        walk(inner)
                        stack.removeLast()
                    } else {
                        walk(inner)
                    }
                    continue
                }
                switch value {
                case nil, .bool(false): continue
                case .bool(true): walk(inner)
                case .list(let items):
                    for (index, item) in items.enumerated() {
                        stack.append(Frame(value: item, sequence: (index, items.count)))
                        walk(inner)
                        stack.removeLast()
                        if failed { return }
                    }
                case .some(let value):
                    stack.append(Frame(value: value, sequence: nil))
                    walk(inner)
                    stack.removeLast()
                }
            }
        }
    }

    static func isFalsy(_ value: TemplateValue?) -> Bool {
        switch value {
        case nil, .bool(false): true
        case .list(let items): items.isEmpty
        default: false
        }
    }

    /// The value a tag names: its first name looked up from the innermost value outwards,
    /// the rest inside what was found; then its functions, innermost first.
    func lookup(_ reference: Reference) -> TemplateValue? {
        var value: TemplateValue?
        if reference.isCurrent {
            value = stack.last?.value
        } else if reference.names.isEmpty, !reference.functions.isEmpty {
            // `first()`, `index()`: the place of the current list item.
            guard let place = stack.last?.sequence else { return nil }
            return Self.apply(reference.functions, to: place)
        } else if reference.currentOnly {
            value = stack.last.flatMap { Self.path(reference.names, in: $0.value) }
        } else {
            guard let first = reference.names.first else { return nil }
            for frame in stack.reversed() {
                if let found = Self.field(first, of: frame.value) {
                    value = Self.path(reference.names.dropFirst(), in: found)
                    break
                }
            }
        }
        guard var current = value else { return nil }
        for function in reference.functions {
            guard let next = Self.apply(function, to: current) else { return nil }
            current = next
        }
        return current
    }

    static func field(_ name: String, of value: TemplateValue) -> TemplateValue? {
        guard case .object(let object) = value else { return nil }
        return object.field(name)
    }

    static func path(_ names: some Collection<String>, in value: TemplateValue) -> TemplateValue? {
        var current = value
        for name in names {
            guard let next = field(name, of: current) else { return nil }
            current = next
        }
        return current
    }

    static func apply(_ functions: [String], to place: (index: Int, count: Int)) -> TemplateValue? {
        guard functions.count == 1 else { return nil }
        switch functions[0] {
        case "first": return .bool(place.index == 0)
        case "last": return .bool(place.index == place.count - 1)
        case "index": return .number(place.index)
        case "even": return .bool(place.index & 1 == 0)
        case "odd": return .bool(place.index & 1 == 1)
        default: return nil
        }
    }

    static func apply(_ function: String, to value: TemplateValue) -> TemplateValue? {
        switch (value, function) {
        case (.text(let text), "empty"): .bool(text.isEmpty)
        case (.text(let text), "lowercased"): .text(text.lowercased())
        case (.text(let text), "uppercased"): .text(text.uppercased())
        case (.text(let text), "reversed"): .text(String(text.reversed()))
        case (.list(let items), "first"): items.first
        case (.list(let items), "last"): items.last
        case (.list(let items), "reversed"): .list(items.reversed())
        case (.list(let items), "count"): .number(items.count)
        case (.list(let items), "empty"): .bool(items.isEmpty)
        case (.number(let number), "equalzero"): .bool(number == 0)
        case (.number(let number), "plusone"): .number(number + 1)
        case (.number(let number), "minusone"): .number(number - 1)
        case (.number(let number), "even"): .bool(number & 1 == 0)
        case (.number(let number), "odd"): .bool(number & 1 == 1)
        default: nil
        }
    }

    /// A value printed by a variable tag.
    static func text(_ value: TemplateValue) -> String {
        switch value {
        case .text(let text): text
        case .number(let number): String(number)
        case .bool(let flag): flag ? "true" : "false"
        case .list(let items): "[" + items.map(text).joined(separator: ", ") + "]"
        case .object: ""
        }
    }
}
