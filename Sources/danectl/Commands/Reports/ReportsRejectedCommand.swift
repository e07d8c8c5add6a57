import ArgumentParser
import DaneFeatures
import DaneModel
import FileKit
import FoundationEssentials
import Glibc

struct ReportsRejectedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rejected",
        abstract: "List the inputs kept aside (not readable reports, or conflicting with stored ones), with why.",
        discussion: """
            Nothing a sender sends is dropped: what could not be stored as a report is kept in the \
            store with the reason. This lists them, newest first (id, time, size, source, reason). \
            --show ID writes one input's bytes to standard output, to look at or to fix and ingest again.

            \(ExitStatus.helpLines([(.success, "listed")]))
            """)

    @OptionGroup var store: ReportStoreOptions

    @Option(help: ArgumentHelp("How many to list.", valueName: "N"))
    var limit = 100

    @Option(help: ArgumentHelp("Write the content of the input with this id to standard output.", valueName: "ID"))
    var show: Int64?

    func run() throws {
        let printer = DiagnosticPrinter()
        let reports = try store.openExisting(printer)
        do {
            if let show {
                guard let content = try reports.rejectedContent(id: show) else {
                    printer.print(
                        .error(
                            .usage("usage-rejected-id"),
                            "no input kept aside has id \(show); `danectl reports rejected` lists them"))
                    throw ExitStatus.usage.exit
                }
                guard Descriptors.writeAll(content, to: STDOUT_FILENO) else {
                    try reportStandardOutputFailure(errno, printer)
                    return
                }
                return
            }
            try writeStandardOutput(RejectedInputsText.listing(try reports.rejected(limit: limit)), printer)
        } catch let error as ExitCode {
            throw error
        } catch {
            printer.print(.error(.noInput("report-store-unreadable"), "\(error)"))
            throw ExitStatus.noInput.exit
        }
    }
}
