import DaneModel
import Mustache

/// Renders records as zone-file snippets from a Mustache template: one of the built-in
/// `Templates/*.mustache` (compiled into the binary) or the operator's own.
///
/// The template sees `source` (the description's file name) and `zones`, a list of
/// `{zone, records}` in canonical order; each record has `owner`, `ownerColumn` (owner padded
/// to the zone's widest), `ttl`, `class`, `type` and `rdata`.
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
        do {
            template = try MustacheTemplate(string: text)
        } catch {
            throw .badTemplate("\(error)")
        }
    }

    public func render(_ records: [ResourceRecord], source: String) -> String {
        let grouped = Dictionary(grouping: records, by: \.zone)
        let zones: [[String: Any]] = grouped.keys.sorted().map { zone in
            let zoneRecords = grouped[zone]!.sorted()
            let width = zoneRecords.map { $0.owner.fqdn.count }.max() ?? 0
            return [
                "zone": zone.fqdn,
                "records": zoneRecords.map { record -> [String: Any] in
                    let owner = record.owner.fqdn
                    return [
                        "owner": owner,
                        "ownerColumn": owner + String(repeating: " ", count: width - owner.count),
                        "ttl": String(record.ttl),
                        "class": record.recordClass,
                        "type": record.type.description,
                        "rdata": record.rdataPresentation,
                    ]
                },
            ]
        }
        return template.render(["source": source, "zones": zones] as [String: Any])
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
