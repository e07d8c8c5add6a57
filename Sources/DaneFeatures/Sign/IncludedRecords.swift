import DaneModel
import DaneSpec
import FoundationEssentials
import LDNSKit
import PlainText

/// `sign --include`: the records to merge into the zone, generated from a danectl description
/// (only those of the zone the keys sign) or read from a zone snippet.
public enum IncludedRecords {
    public static func load(
        _ include: String?, keyPaths: [String], now: Date
    ) throws(DiagnosticError)
        -> (records: [(text: String, place: String)], warnings: [Diagnostic])
    {
        guard let include else { return ([], []) }
        if DescriptionLoader.isDescription(include) {
            let description = try DescriptionLoader.load(path: include)
            let generated = try Generator(now: now).generate(description)
            let keys = try SigningKeys.load(keyPaths)
            let zone = keys.first.map(\.zone) ?? ""
            let mine = generated.records.filter { $0.zone.fqdn == zone }
            let nothing: [Diagnostic] =
                mine.isEmpty
                ? [
                    .warning(
                        "include-nothing",
                        "\(include) describes no records for zone \(zone) (the zone the keys sign): nothing was merged",
                        at: .init(file: include))
                ] : []
            return (
                mine.map { ($0.presentation, "\(include) (generated \($0.owner) \($0.type))") },
                generated.warnings + nothing
            )
        }
        guard let data = FileManager.default.contents(atPath: include) else {
            throw DiagnosticError(
                .error(.noInput("include-unreadable"), "cannot read the records to include", at: .init(file: include)))
        }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated().compactMap {
                number, text -> (text: String, place: String)? in
                let line = text.trimmed()
                return line.isEmpty || line.hasPrefix(";") || line.hasPrefix("$")
                    ? nil : (String(text), "\(include):\(number + 1)")
            }
        return (lines, [])
    }
}
