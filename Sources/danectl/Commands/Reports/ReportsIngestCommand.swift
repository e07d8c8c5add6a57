import ArgumentParser
import DaneFeatures
import DaneModel
import FoundationEssentials
import Glibc

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

    @Argument(
        help: ArgumentHelp(
            "Report files, directories or Maildirs; \"-\" for standard input (the default).", valueName: "PATH"),
        completion: .file())
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
        let expanded = try runReporting(printer) { () throws(DiagnosticError) in
            try ReportInputs.expand(named, limit: inputLimit, excluding: reports.files)
        }
        let ingest = ReportIngest(
            store: reports, limits: .init(input: inputLimit, expanded: limits.maxExpanded << 20), clock: SystemClock())
        var output = ""
        let tally = ReportsIngestRun.run(expanded.inputs, skipped: expanded.skipped, ingest: ingest) { event in
            tell(event, into: &output, printer)
        }
        if let problem = ReportsIngestRun.storeProblem(tally) { printer.print(problem) }
        output += ReportsIngestRun.countLine(tally, store: reports.location.description)
        // After the commit a closed or full standard output changes nothing that was stored.
        if !writeAllToStandardOutput(output) && !tally.fromPipe {
            printer.print(
                .error(
                    .cannotCreate("output-stdout"),
                    "cannot write to standard output: \(String(cString: strerror(errno)))"))
        }
        let status = ReportsIngestRun.status(tally)
        if status != .success { throw status.exit }
    }

    /// Lines for standard output, flushed every 64 KiB; diagnostics to standard error.
    private func tell(_ event: ReportsIngestRun.Event, into output: inout String, _ printer: DiagnosticPrinter) {
        switch ReportsIngestRun.tell(event, quiet: quiet, store: store.location.description) {
        case .line(let line)?: output += line
        case .diagnostic(let diagnostic)?: printer.print(diagnostic)
        case nil: break
        }
        if output.utf8.count > 1 << 16 {
            _ = writeAllToStandardOutput(output)
            output = ""
        }
    }
}
