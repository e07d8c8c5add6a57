import DaneModel
import FileKit
import Mustache

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

    let template: MustacheTemplate
    /// The layout of lines the template prints, made ahead on another core (nil: it prints none).
    let linesAhead: LineLayout?
    /// Whether the template's only use of `zones` is one plain `{{#zones}}` section (see
    /// `usesZonesInOneSection`): then it is rendered a piece of zones at a time.
    let rendersInPieces: Bool

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
        linesAhead = text.contains("tabbedLines") ? .tabs : text.contains("lines") ? .columns : nil
        rendersInPieces = Self.usesZonesInOneSection(text)
        do {
            template = try MustacheTemplate(string: text)
        } catch {
            throw .badTemplate("\(error)")
        }
    }

    public func render(_ records: [ResourceRecord], source: String) -> String {
        collectText { render(records, source: source, to: $0) }
    }

    /// Zones per piece when the template is rendered a piece at a time.
    static let zonesPerPiece = 1_000

    /// Renders into `sink`; false when the sink refused a piece (nothing more is rendered).
    /// A template that uses `zones` in one plain section prints the same text before and after
    /// that section whatever the zones are, so the zones are rendered a thousand at a time and
    /// that frame is printed once: a provider's file is never held whole (100,000 zones: 38 MB,
    /// which the engine's growing string held two or three times over). Any other template is
    /// rendered whole, as the engine always did.
    @discardableResult
    public func render(_ records: [ResourceRecord], source: String, to sink: TextSink) -> Bool {
        let zones = Self.zones(records.sorted())
        // The template engine runs on one core; each zone's `lines` are made ahead on another.
        let ahead = zones.count > 1 ? linesAhead.map { LinesAhead(zones, layout: $0) } : nil
        defer { ahead?.stop() }
        func whole(_ zones: [ZoneContext]) -> String {
            template.render(["source": source, "zones": zones] as [String: Any])
        }
        guard rendersInPieces, zones.count > Self.zonesPerPiece, let frame = frame(source: source) else {
            return sink(whole(zones))
        }
        var printedHead = false
        for start in stride(from: 0, to: zones.count, by: Self.zonesPerPiece) {
            let rendered = whole(Array(zones[start..<min(start + Self.zonesPerPiece, zones.count)]))
            guard let inside = frame.inside(rendered) else {
                // Cannot happen for a template that passed `usesZonesInOneSection`; if it ever
                // did, the first piece is still early enough to render the whole instead.
                precondition(!printedHead, "a zone template printed a different frame around a later piece of zones")
                return sink(whole(zones))
            }
            if !printedHead {
                guard sink(frame.head) else { return false }
                printedHead = true
            }
            guard sink(inside) else { return false }
        }
        return sink(frame.tail)
    }

    /// What the template prints before and after its zones section.
    struct Frame {
        let head: String
        let tail: String

        /// The section's text in a rendering of this template: what lies between head and tail.
        func inside(_ rendered: String) -> String? {
            let (text, head, tail) = (rendered.utf8, self.head.utf8, self.tail.utf8)
            guard text.count >= head.count + tail.count, text.starts(with: head),
                text.suffix(tail.count).elementsEqual(tail)
            else { return nil }
            return String(Substring(text.dropFirst(head.count).dropLast(tail.count)))
        }
    }

    /// The frame around the zones section, found by rendering the template once with `zones`
    /// as a lambda that prints a marker: nil unless the section was rendered exactly once and
    /// the marker shows once (a template that hides the section, or prints the marker itself).
    func frame(source: String) -> Frame? {
        let marker = "\u{0}danectl-zones-section\u{0}"
        final class Calls: @unchecked Sendable { var count = 0 }
        let calls = Calls()
        let lambda = MustacheLambda { _ in
            calls.count += 1
            return marker
        }
        let rendered = template.render(["source": source, "zones": lambda] as [String: Any])
        guard calls.count == 1, let place = rendered.firstRange(of: marker),
            rendered[place.upperBound...].firstRange(of: marker) == nil
        else { return nil }
        return Frame(head: String(rendered[..<place.lowerBound]), tail: String(rendered[place.upperBound...]))
    }

    /// Whether `zones` appears only as one `{{#zones}}...{{/zones}}` section, with no function
    /// or filter anywhere (`index()`, `first()`, `last()` would see each piece as the whole
    /// list) and no change of delimiters (which would hide tags from this scan). Only then does
    /// each zone's text depend on that zone alone, so rendering the zones in pieces prints what
    /// rendering them all at once prints.
    static func usesZonesInOneSection(_ text: String) -> Bool {
        guard !text.contains("{{=") else { return false }
        var zoneTags: [Substring] = []
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{") {
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else { return false }
            let tag = rest[open.upperBound..<close.lowerBound]
            if tag.contains("(") { return false }
            if tag.contains("zones") { zoneTags.append(tag) }
            rest = rest[close.upperBound...]
        }
        return zoneTags == ["#zones", "/zones"]
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
            case "lines": return ahead?.take(index, .columns) ?? text(.columns)
            case "tabbedLines": return ahead?.take(index, .tabs) ?? text(.tabs)
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

    /// The deepest nesting of `{{#...}}` / `{{^...}}` sections, counted on the raw text.
    static func sectionDepth(_ text: String) -> Int {
        var depth = 0, deepest = 0
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{") {
            let tag = rest[open.upperBound...].prefix(1)
            if tag == "#" || tag == "^" { depth += 1; deepest = max(deepest, depth) }
            if tag == "/" { depth = max(0, depth - 1) }
            rest = rest[open.upperBound...]
        }
        return deepest
    }
}
