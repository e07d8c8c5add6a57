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

            Reports are stored once, by report-id: ingesting the same mail again is harmless. An \
            input that is not a readable report (broken JSON, truncated gzip, a gzip bomb) is kept \
            aside in the store with the reason, and the rest go on; inputs are never deleted.

            \(ExitStatus.helpLines([(.success, "every input held readable reports (stored now or before)"),
                                    (.badData, "some inputs were not readable reports: kept aside in the store, with the reason printed")]))
            """)

    @Argument(help: ArgumentHelp("Report files, directories or Maildirs; \"-\" for standard input (the default).", valueName: "PATH"))
    var paths: [String] = []

    @OptionGroup var store: ReportStoreOptions
    @OptionGroup var limits: ReportLimitOptions

    @Flag(help: "Print only problems and the final count line.")
    var quiet = false

    func run() throws {
        let printer = DiagnosticPrinter()
        let inputLimit = limits.maxInput << 20
        let inputs: [ReportInputs.Input]
        do {
            inputs = try ReportInputs.expand(paths.isEmpty ? ["-"] : paths, limit: inputLimit)
        } catch {
            printer.print(.error(.noInput("report-missing-file"), error.description))
            throw ExitStatus.noInput.exit
        }
        let ingest = ReportIngest(store: try store.open(printer), limits: .init(input: inputLimit, expanded: limits.maxExpanded << 20))
        var stored = 0, duplicates = 0, keptAside = 0, unreadable = 0
        var output = ""
        // Inputs are stored in batches, one transaction each: a disk sync per batch, not per
        // report. Nothing is printed as stored before its batch is committed.
        var batch: [(data: Data, source: String)] = []
        var batchBytes = 0
        func flush() throws {
            guard !batch.isEmpty else { return }
            let results: [[ReportIngest.Outcome]]
            do {
                results = try ingest.ingest(batch)
            } catch {
                // The store itself failed: stop before more inputs go unrecorded.
                try writeStandardOutput(output, printer)
                printer.print(.error(.cannotCreate("output-report-store"), error.description))
                throw ExitStatus.cannotCreate.exit
            }
            for (input, outcomes) in zip(batch, results) {
                for outcome in outcomes {
                    switch outcome {
                    case .stored(let id, let organization, let domains):
                        stored += 1
                        let names = domains.isEmpty ? "no policy" : domains.map { TerminalText.visible($0, limit: 80) }.joined(separator: ", ")
                        if !quiet { output += "stored     \(TerminalText.visible(id, limit: 80))  from \(TerminalText.visible(organization, limit: 80)) for \(names)  (\(input.source))\n" }
                    case .duplicate(let id):
                        duplicates += 1
                        if !quiet { output += "duplicate  \(TerminalText.visible(id, limit: 80))  already stored  (\(input.source))\n" }
                    case .keptAside(let reason):
                        keptAside += 1
                        printer.print(.error(.badData("report-unreadable-report"), "\(input.source): \(reason); kept aside in \(store.path)"))
                    }
                }
            }
            if output.utf8.count > 1 << 16 {
                try writeStandardOutput(output, printer)
                output = ""
            }
            batch = []
            batchBytes = 0
        }
        for input in inputs {
            do {
                let data = try input.read()
                batch.append((data, input.source))
                batchBytes += data.count
            } catch {
                printer.print(.error(.noInput("report-unreadable"), "\(input.source): cannot read: \(error.localizedDescription)"))
                unreadable += 1
            }
            if batch.count >= 500 || batchBytes >= 64 << 20 { try flush() }
        }
        try flush()
        output += "\(stored) stored, \(duplicates) already stored, \(keptAside) kept aside as unreadable\(unreadable > 0 ? ", \(unreadable) could not be read" : "") (\(store.path))\n"
        try writeStandardOutput(output, printer)
        if unreadable > 0 { throw ExitStatus.noInput.exit }
        if keptAside > 0 { throw ExitStatus.badData.exit }
    }
}
