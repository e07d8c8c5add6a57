import DaneModel
import YAMLKit

/// Reads typed values out of a composed YAML tree, recording an error (with line and column)
/// for every problem instead of stopping at the first.
struct YAMLNodes {
    let file: String
    var diagnostics: [Diagnostic] = []

    init(file: String) { self.file = file }

    func location(_ node: YAMLValue) -> SourceLocation {
        // 0: not known (a node made without a position).
        SourceLocation(
            file: file, line: node.line > 0 ? Int(node.line) : nil, column: node.column > 0 ? Int(node.column) : nil)
    }

    mutating func error(_ code: String, _ message: String, at node: YAMLValue) {
        diagnostics.append(.error(.badData(code), message, at: location(node)))
    }

    /// The mapping's entries, after checking every key against `allowed`.
    mutating func mapping(_ node: YAMLValue, _ what: String, allowed: [String]) -> [String: YAMLValue]? {
        guard node.kind == .mapping else {
            error("yaml-type", "\(what) must be a mapping of keys to values, got \(describe(node))", at: node)
            return nil
        }
        var entries: [String: YAMLValue] = [:]
        entries.reserveCapacity(node.children.count / 2)
        for index in stride(from: 0, to: node.children.count - 1, by: 2) {
            let (keyNode, value) = (node.children[index], node.children[index + 1])
            guard keyNode.kind == .scalar else {
                error("yaml-key", "\(what) has a key that is not a plain name", at: keyNode)
                continue
            }
            let key = keyNode.text
            if allowed.contains(key) {
                entries[key] = value
            } else {
                let hint = Self.nearest(key, in: allowed).map { " (did you mean \"\($0)\"?)" } ?? ""
                error(
                    "yaml-unknown-key",
                    "unknown key \"\(key)\" in \(what)\(hint); allowed: \(allowed.joined(separator: ", "))", at: keyNode
                )
            }
        }
        return entries
    }

    mutating func sequence(_ node: YAMLValue, _ what: String) -> [YAMLValue]? {
        guard node.kind == .sequence else {
            error("yaml-type", "\(what) must be a list, got \(describe(node))", at: node)
            return nil
        }
        return node.children
    }

    mutating func string(_ node: YAMLValue, _ what: String) -> String? {
        guard node.kind == .scalar, !Self.isNull(node) else {
            error("yaml-type", "\(what) must be text, got \(describe(node))", at: node)
            return nil
        }
        guard !node.text.isEmpty else {
            error("yaml-empty", "\(what) is empty", at: node)
            return nil
        }
        return node.text
    }

    /// YAML's null, as YAML 1.1 spells it: a plain `~`, `null`, `Null`, `NULL` or nothing at all.
    static func isNull(_ node: YAMLValue) -> Bool {
        guard node.kind == .scalar, node.style == .plain else { return false }
        switch node.text {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    mutating func integer<T: FixedWidthInteger>(_ node: YAMLValue, _ what: String, in range: ClosedRange<T>) -> T? {
        guard let value = Self.plainDecimal(node) ?? Self.yamlInteger(node), let typed = T(exactly: value),
            range.contains(typed)
        else {
            error(
                "yaml-range",
                "\(what) must be a whole number from \(range.lowerBound) to \(range.upperBound), got \(describe(node))",
                at: node)
            return nil
        }
        return typed
    }

    /// A plain scalar of decimal digits without a leading zero, read directly: what `YAMLInteger`
    /// makes of it too, without its pass over every YAML 1.1 spelling (a provider's
    /// description holds hundreds of thousands of priorities). Anything else: nil, and `yamlInteger` reads it.
    static func plainDecimal(_ node: YAMLValue) -> Int? {
        guard node.kind == .scalar, node.style == .plain || node.style == .any else { return nil }
        let digits = node.text.utf8
        guard (1...18).contains(digits.count), digits.first != UInt8(ascii: "0"),
            digits.allSatisfy({ (0x30...0x39).contains($0) })
        else { return nil }
        return Int(node.text)
    }

    /// Every other YAML 1.1 spelling of an integer (`0x1F`, `1_000`, octal `010`, `1:30`), in a
    /// plain scalar (a quoted one is text).
    static func yamlInteger(_ node: YAMLValue) -> Int? {
        guard node.kind == .scalar, node.style == .plain || node.style == .any else { return nil }
        return YAMLInteger.value(node.text)
    }

    /// Host names already read, by their text (see `hostName`'s `shared`).
    private var sharedHostNames: [String: DNSName] = [:]

    /// With `shared`, a name read before is handed out again rather than parsed anew: a
    /// provider's 100,000 domains name the same few MX hosts, and they then share one copy.
    mutating func hostName(_ node: YAMLValue, _ what: String, shared: Bool = false) -> DNSName? {
        guard let text = string(node, what) else { return nil }
        if shared, let known = sharedHostNames[text] { return known }
        do {
            let name = try DNSName(hostName: text)
            if shared { sharedHostNames[text] = name }
            return name
        } catch {
            self.error("name-invalid", "\(what) \"\(text)\" is not a valid host name: \(error)", at: node)
            return nil
        }
    }

    mutating func zoneName(_ node: YAMLValue, _ what: String) -> DNSName? {
        guard let text = string(node, what) else { return nil }
        do {
            return try DNSName(zoneName: text)
        } catch {
            self.error("name-invalid", "\(what) \"\(text)\" is not a valid zone name: \(error)", at: node)
            return nil
        }
    }

    func describe(_ node: YAMLValue) -> String {
        switch node.kind {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar: Self.isNull(node) ? "nothing (null)" : "\"\(node.text)\""
        }
    }

    /// The allowed key closest to a mistyped one, when it is close enough to be a typo.
    static func nearest(_ key: String, in allowed: [String]) -> String? {
        let scored = allowed.map { ($0, editDistance(Array(key.lowercased()), Array($0))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, key.count / 3) else { return nil }
        return best.0
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1]
            for (j, cb) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
