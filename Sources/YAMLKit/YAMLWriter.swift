internal import CYAML

/// A YAML document to write, as values: the octoDNS zone files are made of these.
public indirect enum YAMLNode: Sendable {
    /// A string, plain where libyaml can write it so, or single-quoted (`YAMLResolver.node`
    /// quotes what would read back as another type: `'10'`, `'true'`, `''`).
    case text(String, quoted: Bool)
    case integer(Int)
    case mapping([(key: YAMLNode, value: YAMLNode)])
    case sequence([YAMLNode])
}

/// Writes one document through libyaml's emitter: block style, two-space indentation, no
/// line folding, UTF-8 characters as they are, `\n` line breaks, no `---`/`...` markers. The
/// same events and settings Yams's `serialize(node:width: -1, allowUnicode: true)` produced,
/// so files written before and after are byte-identical (YAMLKitTests compares them).
public enum YAMLWriter {
    /// The document's text; nil only when libyaml refuses (out of memory).
    public static func document(_ root: YAMLNode) -> String? {
        let output = Output()
        var emitter = yaml_emitter_t()
        guard yaml_emitter_initialize(&emitter) == 1 else { return nil }
        defer { yaml_emitter_delete(&emitter) }
        let context = Unmanaged.passUnretained(output).toOpaque()
        yaml_emitter_set_output(
            &emitter,
            { context, buffer, size in
                guard let context, let buffer else { return 0 }
                Unmanaged<Output>.fromOpaque(context).takeUnretainedValue().bytes.append(
                    contentsOf: UnsafeBufferPointer(start: buffer, count: size))
                return 1
            }, context)
        yaml_emitter_set_canonical(&emitter, 0)
        yaml_emitter_set_indent(&emitter, 0)  // libyaml's default, two spaces
        yaml_emitter_set_width(&emitter, -1)
        yaml_emitter_set_unicode(&emitter, 1)
        yaml_emitter_set_break(&emitter, YAML_LN_BREAK)
        yaml_emitter_set_encoding(&emitter, YAML_UTF8_ENCODING)
        var writer = Events(emitter: emitter)
        let written =
            writer.stream(start: true) && writer.document(start: true) && writer.node(root)
            && writer.document(start: false) && writer.stream(start: false)
        emitter = writer.emitter
        withExtendedLifetime(output) {}
        return written ? String(decoding: output.bytes, as: UTF8.self) : nil
    }

    private final class Output {
        var bytes: [UInt8] = []
    }

    /// The event sequence, each handed to the emitter as it is made.
    private struct Events {
        var emitter: yaml_emitter_t

        mutating func emit(_ event: inout yaml_event_t) -> Bool { yaml_emitter_emit(&emitter, &event) == 1 }

        mutating func stream(start: Bool) -> Bool {
            var event = yaml_event_t()
            if start {
                yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING)
            } else {
                yaml_stream_end_event_initialize(&event)
            }
            return emit(&event)
        }

        mutating func document(start: Bool) -> Bool {
            var event = yaml_event_t()
            if start {
                yaml_document_start_event_initialize(&event, nil, nil, nil, 1)
            } else {
                yaml_document_end_event_initialize(&event, 1)
            }
            return emit(&event)
        }

        mutating func node(_ node: YAMLNode) -> Bool {
            var event = yaml_event_t()
            switch node {
            case .text(let text, let quoted):
                let style = quoted ? YAML_SINGLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE
                return scalar(text, tag: "tag:yaml.org,2002:str", style: style)
            case .integer(let number):
                return scalar(String(number), tag: "tag:yaml.org,2002:int", style: YAML_ANY_SCALAR_STYLE)
            case .mapping(let pairs):
                guard
                    Self.withText(
                        "tag:yaml.org,2002:map",
                        {
                            yaml_mapping_start_event_initialize(&event, nil, $0, 1, YAML_ANY_MAPPING_STYLE)
                        }) == 1, emit(&event)
                else { return false }
                for (key, value) in pairs { guard self.node(key), self.node(value) else { return false } }
                yaml_mapping_end_event_initialize(&event)
                return emit(&event)
            case .sequence(let items):
                guard
                    Self.withText(
                        "tag:yaml.org,2002:seq",
                        {
                            yaml_sequence_start_event_initialize(&event, nil, $0, 1, YAML_ANY_SEQUENCE_STYLE)
                        }) == 1, emit(&event)
                else { return false }
                for item in items { guard self.node(item) else { return false } }
                yaml_sequence_end_event_initialize(&event)
                return emit(&event)
            }
        }

        /// A scalar whose tag is implied (plain and quoted alike), so libyaml never writes it.
        mutating func scalar(_ text: String, tag: String, style: yaml_scalar_style_t) -> Bool {
            var event = yaml_event_t()
            var value = Array(text.utf8)
            let made = value.withUnsafeMutableBufferPointer { bytes in
                Self.withText(tag) { tag in
                    yaml_scalar_event_initialize(
                        &event, nil, tag, bytes.baseAddress ?? tag, Int32(bytes.count), 1, 1, style)
                }
            }
            return made == 1 && emit(&event)
        }

        /// `text` as the NUL-terminated bytes libyaml copies when making an event.
        static func withText(_ text: String, _ body: (UnsafeMutablePointer<UInt8>) -> Int32) -> Int32 {
            var bytes = Array(text.utf8) + [0]
            return bytes.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
        }
    }
}

/// YAML 1.1's implicit types, as a reader resolves a plain scalar: the patterns Yams's default
/// resolver (and PyYAML's, which octoDNS reads with) apply. One per thread: its compiled
/// patterns are not shared.
public final class YAMLResolver {
    public init() {}

    /// `text` as a string node, quoted when its plain form would read as another type.
    public func node(_ text: String) -> YAMLNode { .text(text, quoted: !readsAsString(text)) }

    /// Whether `text`, written plain, reads back as a string (not a bool, int, float, merge
    /// key, null, timestamp or `=`).
    public func readsAsString(_ text: String) -> Bool {
        !patterns.contains { Self.matches($0, text) }
    }

    /// The patterns end in `$`, which in the regular expressions they come from also matches
    /// before one line terminator at the very end (`\n`, `\r\n`, `\r`, `\u{85}`, ...: exactly
    /// what Character.isNewline is), and they match code point by code point.
    private static func matches(_ pattern: Regex<Substring>, _ text: String) -> Bool {
        if (try? pattern.wholeMatch(in: text)) != nil { return true }
        guard let last = text.last, last.isNewline else { return false }
        return (try? pattern.wholeMatch(in: text.dropLast())) != nil
    }

    private let patterns: [Regex<Substring>] = [
        // bool
        #/yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF/#,
        // int
        #/[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+/#,
        // float
        #/[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)/#,
        // merge
        #/<</#,
        // null
        #/~|null|Null|NULL|/#,
        // timestamp
        #/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?/#,
        // value
        #/=/#,
    ].map { $0.matchingSemantics(.unicodeScalar) }
}
