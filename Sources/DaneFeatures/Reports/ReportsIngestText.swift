import DaneModel

/// `reports ingest`'s words: a line per stored or duplicate report, a diagnostic for anything
/// kept aside, skipped or unreadable, and the closing count. Peer-supplied text (ids,
/// organisation names, reasons) is shown escaped and cut, never raw.
extension ReportsIngestRun {
    public enum Told: Sendable {
        case line(String)
        case diagnostic(Diagnostic)
    }

    public static func tell(_ event: Event, quiet: Bool, store: String) -> Told? {
        func shown(_ text: String) -> String { TerminalText.visible(text, limit: 80) }
        switch event {
        case .outcome(let source, .stored(let id, let organization, let domains)):
            let names = domains.isEmpty ? "no policy" : domains.map(shown).joined(separator: ", ")
            return quiet
                ? nil : .line("stored     \(shown(id))  from \(shown(organization)) for \(names)  (\(source))\n")
        case .outcome(let source, .duplicate(let id)):
            return quiet ? nil : .line("duplicate  \(shown(id))  already stored  (\(source))\n")
        case .outcome(let source, .conflicting(_, let reason)):
            return .diagnostic(.warning("report-conflict", "\(source): \(TerminalText.visible(reason, limit: 400))"))
        case .outcome(let source, .keptAside(let reason)):
            return .diagnostic(
                .warning(
                    "report-unreadable-report",
                    "\(source): \(TerminalText.visible(reason, limit: 400)); kept aside in \(store)"))
        case .unreadable(let source, let reason):
            return .diagnostic(.error(.noInput("report-unreadable"), "\(source): cannot read: \(reason)"))
        case .skipped(let item):
            return .diagnostic(.warning("report-input-skipped", "\(item.source): \(item.reason)"))
        }
    }

    public static func countLine(_ tally: Tally, store: String) -> String {
        "\(tally.stored) stored, \(tally.duplicates) already stored, \(tally.keptAside + tally.conflicting) kept aside"
            + (tally.unreadable > 0 ? ", \(tally.unreadable) could not be read" : "") + " (\(store))\n"
    }

    /// The store's fault, when it had one: the inputs from that batch on were not recorded.
    public static func storeProblem(_ tally: Tally) -> Diagnostic? {
        tally.storeFailure.map { .error(.tryLater("later-report-store"), $0.description) }
    }
}
