import ArgumentParser
import DaneFeatures
import DaneModel
import Foundation

struct ReportsIngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Store TLS-RPT reports from files, Maildirs or standard input.",
        discussion: """
            Each input may be a report (.json), a gzipped report (.json.gz), or a whole e-mail as \
            senders send them (multipart/report; report-type=tlsrpt, with an \
            application/tlsrpt+gzip or +json part). A directory is read as a Maildir (new/ and \
            cur/) when it has both, else file by file. "-" (or no PATH) reads one input from \
            standard input, so this can be an MTA pipe or .forward target:
                "|/usr/local/bin/danectl reports ingest --db /var/lib/danectl/tlsrpt.sqlite"

            A report is stored once: its identity is the organisation, report-id and date range \
            (two Postfix sites send the same report-id). Ingesting the same mail again is \
            harmless; a report with the identity of a stored one but other content is kept aside \
            for review, and the stored one stays. An input that is not a readable report (broken \
            JSON, truncated gzip, a gzip bomb, spam to the rua mailbox) is kept aside in the store \
            with the reason (`danectl reports rejected` lists them); inputs are never deleted. In a \
            directory only regular files are read: symbolic links and FIFOs are skipped, and so \
            are the store's own files.

            From a pipe (standard input) an MTA turns 65 and 73 into bounces, so there an input \
            kept aside is 0 and a store that cannot take it now is 75: the MTA keeps the message \
            and tries again.

            \(ExitStatus.helpLines([(.success, "every input held readable reports (stored now or before); from a pipe, also when kept aside"),
                                    (.badData, "some inputs were not readable reports, or conflicted with stored ones: kept aside, the reason printed"),
                                    (.tryLater, "the store is busy, full or read-only (from a pipe: any store fault); nothing lost, run again")]))
            """)

    @Argument(help: ArgumentHelp("Report files, directories or Maildirs; \"-\" for standard input (the default).", valueName: "PATH"), completion: .file())
    var paths: [String] = []

    @OptionGroup var store: ReportStoreOptions
    @OptionGroup var limits: ReportLimitOptions

    @Flag(help: "Print only problems and the final count line.")
    var quiet = false

    func run() throws {
        let printer = DiagnosticPrinter()
        let inputLimit = limits.maxInput << 20
        let named = paths.isEmpty ? ["-"] : paths
        let reports = try store.open(printer, fromPipe: named.contains("-"))
        let expanded: (inputs: [ReportInputs.Input], skipped: [ReportInputs.Skipped])
        do { expanded = try ReportInputs.expand(named, limit: inputLimit, excluding: reports.files) } catch {
            printer.print(.error(.noInput("report-missing-file"), error.description))
            throw ExitStatus.noInput.exit
        }
        let ingest = ReportIngest(store: reports, limits: .init(input: inputLimit, expanded: limits.maxExpanded << 20), clock: SystemClock())
        var output = ""
        let tally = ReportsIngestRun.run(expanded.inputs, skipped: expanded.skipped, ingest: ingest) { event in
            if let line = line(event, printer) { output += line }
            if output.utf8.count > 1 << 16 { _ = writeAllToStandardOutput(output); output = "" }
        }
        if let failure = tally.storeFailure { printer.print(.error(.tryLater("later-report-store"), failure.description)) }
        output += "\(tally.stored) stored, \(tally.duplicates) already stored, \(tally.keptAside + tally.conflicting) kept aside"
            + (tally.unreadable > 0 ? ", \(tally.unreadable) could not be read" : "") + " (\(reports.location))\n"
        // After the commit a closed or full standard output changes nothing that was stored.
        if !writeAllToStandardOutput(output) && !tally.fromPipe {
            printer.print(.error(.cannotCreate("output-stdout"), "cannot write to standard output: \(String(cString: strerror(errno)))"))
        }
        let status = ReportsIngestRun.status(tally)
        if status != .success { throw status.exit }
    }

    /// One event as text: a line for standard output, or a diagnostic printed here.
    func line(_ event: ReportsIngestRun.Event, _ printer: DiagnosticPrinter) -> String? {
        func shown(_ text: String) -> String { TerminalText.visible(text, limit: 80) }
        switch event {
        case .outcome(let source, .stored(let id, let organization, let domains)):
            let names = domains.isEmpty ? "no policy" : domains.map(shown).joined(separator: ", ")
            return quiet ? nil : "stored     \(shown(id))  from \(shown(organization)) for \(names)  (\(source))\n"
        case .outcome(let source, .duplicate(let id)):
            return quiet ? nil : "duplicate  \(shown(id))  already stored  (\(source))\n"
        case .outcome(let source, .conflicting(_, let reason)):
            printer.print(.warning("report-conflict", "\(source): \(TerminalText.visible(reason, limit: 400))"))
        case .outcome(let source, .keptAside(let reason)):
            printer.print(.warning("report-unreadable-report", "\(source): \(TerminalText.visible(reason, limit: 400)); kept aside in \(store.location)"))
        case .unreadable(let source, let reason):
            printer.print(.error(.noInput("report-unreadable"), "\(source): cannot read: \(reason)"))
        case .skipped(let item):
            printer.print(.warning("report-input-skipped", "\(item.source): \(item.reason)"))
        }
        return nil
    }
}
