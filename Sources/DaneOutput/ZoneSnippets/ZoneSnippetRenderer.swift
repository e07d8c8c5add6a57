import DaneModel
import Mustache

/// Renders records as zone-file snippets from a Mustache template: one of the built-in
/// `Templates/*.mustache` (compiled into the binary) or the operator's own.
///
/// The template sees `source` (the description's file name) and `zones`, a list of
/// `{zone, records, lines}` in canonical order; each record has `owner`, `ownerColumn` (owner
/// padded to the zone's widest), `ttl`, `class`, `type` and `rdata`, and `lines` is the zone's
/// records in that column layout, one per line.
public struct ZoneSnippetRenderer {
    public enum Failure: Error, CustomStringConvertible {
        case noSuchTemplate(String)
        case badTemplate(String)

        public var description: String {
            switch self {
            case .noSuchTemplate(let name):
                "no built-in template \"\(name)\"; built-in: \(ZoneSnippetRenderer.builtInNames.joined(separator: ", "))"
            case .badTemplate(let reason): "the template does not parse: \(reason)"
            }
        }
    }

    public static var builtInNames: [String] { EmbeddedTemplates.all.keys.sorted() }

    let template: MustacheTemplate
    /// Whether the template names `lines`: only then are they made ahead on another core.
    let mentionsLines: Bool

    public init(builtIn name: String) throws(Failure) {
        guard let text = EmbeddedTemplates.all[name] else { throw .noSuchTemplate(name) }
        try self.init(text: text)
    }

    /// Sections nested deeper than this are refused before the template engine sees them
    /// (it recurses per level, and a few thousand levels overflow the stack).
    public static let maximumNesting = 64

    public init(text: String) throws(Failure) {
        let depth = Self.sectionDepth(text)
        guard depth <= Self.maximumNesting else {
            throw .badTemplate("sections are nested \(depth) deep; at most \(Self.maximumNesting) are allowed")
        }
        mentionsLines = text.contains("lines")
        do {
            template = try MustacheTemplate(string: text)
        } catch {
            throw .badTemplate("\(error)")
        }
    }

    public func render(_ records: [ResourceRecord], source: String) -> String {
        let zones = Self.zones(records.sorted())
        // The template engine runs on one core; each zone's `lines` are made ahead on another.
        let ahead = mentionsLines && zones.count > 1 ? LinesAhead(zones) : nil
        defer { ahead?.stop() }
        return template.render(["source": source, "zones": zones] as [String: Any])
    }

    /// The records grouped by zone, in canonical order (records arrive sorted, zone first).
    static func zones(_ sorted: [ResourceRecord]) -> [ZoneContext] {
        var zones: [ZoneContext] = []
        var start = sorted.startIndex
        while start < sorted.endIndex {
            let zone = sorted[start].zone
            let end = sorted[start...].firstIndex { $0.zone != zone } ?? sorted.endIndex
            zones.append(ZoneContext(zone: zone, records: sorted[start..<end], index: zones.count))
            start = end
        }
        return zones
    }

    /// One zone as the template sees it. Fields are made when the template asks for them: a
    /// provider's file has hundreds of thousands of zones, and a template that prints `lines`
    /// never needs a context per record. A class: the engine passes each context around as
    /// `Any`, and a reference travels in that box without a copy.
    /// Unchecked Sendable: `zone`, `records` and `index` never change; `zoneText` is touched by
    /// the engine's thread only, and `ahead` is set before the engine starts.
    final class ZoneContext: MustacheParent, @unchecked Sendable {
        let zone: DNSName
        let records: ArraySlice<ResourceRecord>
        let index: Int
        /// Set while another core makes `lines` ahead of the engine.
        weak var ahead: LinesAhead?
        private var zoneText: String?

        init(zone: DNSName, records: ArraySlice<ResourceRecord>, index: Int) {
            self.zone = zone
            self.records = records
            self.index = index
        }

        func child(named name: String) -> Any? {
            switch name {
            case "zone":
                if let zoneText { return zoneText }
                zoneText = zone.fqdn
                return zoneText
            case "records": return recordContexts
            case "lines": return ahead?.take(index) ?? lines
            default: return nil
            }
        }

        /// Owners are padded to the zone's widest, so the columns line up.
        var width: Int { records.map { $0.owner.fqdn.utf8.count }.max() ?? 0 }

        var recordContexts: [[String: Any]] {
            let width = width
            return records.map { record -> [String: Any] in
                let owner = record.owner.fqdn
                return [
                    "owner": owner,
                    "ownerColumn": owner + String(repeating: " ", count: width - owner.utf8.count),
                    "ttl": String(record.ttl),
                    "class": record.recordClass,
                    "type": record.type.description,
                    "rdata": record.rdataPresentation,
                ]
            }
        }

        /// Every record as `ownerColumn ttl class type rdata`, one per line, without a final
        /// newline: what `{{#records}}` over those fields would print, made without the
        /// template engine's per-field lookups.
        var lines: String {
            let width = width
            var text = ""
            text.reserveCapacity(records.count * (width + 80))
            for record in records {
                if !text.isEmpty { text += "\n" }
                let owner = record.owner.fqdn
                text += owner
                text += String(repeating: " ", count: width - owner.utf8.count + 1)
                text += String(record.ttl)
                text += " "
                text += record.recordClass
                text += " "
                text += record.type.description
                text += " "
                text += record.rdataPresentation
            }
            return text
        }
    }

    /// The deepest nesting of `{{#...}}` / `{{^...}}` sections, counted on the raw text.
    static func sectionDepth(_ text: String) -> Int {
        var depth = 0, deepest = 0
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            let tag = rest[open.upperBound...].prefix(1)
            if tag == "#" || tag == "^" { depth += 1; deepest = max(deepest, depth) }
            if tag == "/" { depth = max(0, depth - 1) }
            rest = rest[open.upperBound...]
        }
        return deepest
    }
}
