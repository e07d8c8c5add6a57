import DaneModel
import FileKit
import Templating

/// Renders records as zone-file snippets from a Mustache template: one of the built-in
/// `Templates/*.mustache` (compiled into the binary) or the operator's own.
///
/// The template sees `source` (the description's file name) and `zones`, a list of
/// `{zone, records, lines, tabbedLines}` in canonical order; each record has `owner`,
/// `ownerColumn` (owner padded to the zone's widest), `ttl`, `class`, `type` and `rdata`;
/// `lines` is the zone's records in that column layout, one per line, and `tabbedLines` the
/// same fields with the owner unpadded and a tab between fields.
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

    let template: Template
    /// The layout of lines the template prints, made ahead on another core (nil: it prints none).
    let linesAhead: LineLayout?

    public init(builtIn name: String) throws(Failure) {
        guard let text = EmbeddedTemplates.all[name] else { throw .noSuchTemplate(name) }
        try self.init(text: text)
    }

    public init(text: String) throws(Failure) {
        linesAhead = text.contains("tabbedLines") ? .tabs : text.contains("lines") ? .columns : nil
        do {
            template = try Template(text)
        } catch {
            throw .badTemplate("\(error)")
        }
    }

    public func render(_ records: [ResourceRecord], source: String) -> String {
        collectText { render(records, source: source, to: $0) }
    }

    /// Renders into `sink`; false when the sink refused a piece (nothing more is rendered).
    /// The engine writes as it walks the template, in pieces of about 64 KiB: a provider's
    /// file (100,000 zones: 38 MB) is never held whole.
    @discardableResult
    public func render(_ records: [ResourceRecord], source: String, to sink: TextSink) -> Bool {
        let zones = Self.zones(records.sorted())
        // The template engine runs on one core; each zone's `lines` are made ahead on another.
        let ahead = zones.count > 1 ? linesAhead.map { LinesAhead(zones, layout: $0) } : nil
        defer { ahead?.stop() }
        let root = TemplateValue.fields(["source": .text(source), "zones": .list(zones.map { .object($0) })])
        return template.render(root, to: sink)
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
    /// never needs a context per record. A class: a list of 100,000 zones holds references.
    /// Unchecked Sendable: `zone`, `records` and `index` never change; `zoneText` is touched by
    /// the engine's thread only, and `ahead` is set before the engine starts.
    final class ZoneContext: TemplateObject, @unchecked Sendable {
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

        func field(_ name: String) -> TemplateValue? {
            switch name {
            case "zone":
                if let zoneText { return .text(zoneText) }
                zoneText = zone.fqdn
                return zoneText.map { .text($0) }
            case "records": return .list(recordContexts.map { .fields($0.mapValues { .text($0) }) })
            case "lines": return .text(ahead?.take(index, .columns) ?? text(.columns))
            case "tabbedLines": return .text(ahead?.take(index, .tabs) ?? text(.tabs))
            default: return nil
            }
        }

        /// Owners are padded to the zone's widest, so the columns line up.
        var width: Int { records.map { $0.owner.fqdn.utf8.count }.max() ?? 0 }

        var recordContexts: [[String: String]] {
            let width = width
            return records.map { record -> [String: String] in
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

        /// Every record on a line of its own, without a final newline: what `{{#records}}` over
        /// the same fields prints (`ownerColumn ttl class type rdata` with spaces, or `owner`
        /// and the rest with tabs), made without the template engine's per-field lookups.
        func text(_ layout: LineLayout) -> String {
            let width = layout == .columns ? width : 0
            let gap = layout == .columns ? " " : "\t"
            var text = ""
            text.reserveCapacity(records.count * (width + 80))
            for record in records {
                if !text.isEmpty { text += "\n" }
                let owner = record.owner.fqdn
                text += owner
                text += layout == .columns ? String(repeating: " ", count: width - owner.utf8.count + 1) : gap
                text += String(record.ttl)
                text += gap
                text += record.recordClass
                text += gap
                text += record.type.description
                text += gap
                text += record.rdataPresentation
            }
            return text
        }
    }

    /// How a zone's records are laid out as lines: `lines` (columns) or `tabbedLines`.
    enum LineLayout: Sendable { case columns, tabs }
}
