import ArgumentParser
import DaneModel
import DaneOutput
import Foundation

struct ReportsSummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Say what the stored TLS-RPT reports report: sessions, failures, their fixes.",
        discussion: """
            Per domain and policy type (tlsa for DANE, sts for MTA-STS, no-policy-found): \
            successful and failed sessions over the period, the reporting organisations, and \
            the failures grouped by MX host, receiving address and result type, each with the \
            sender code and fix `danectl verify` gives for it and the sender's own words \
            (failure-reason-code, additional-information) as given.

            --format prometheus writes counters for node_exporter's textfile collector.

            \(ExitStatus.helpLines([(.success, "summary printed")]))
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, prometheus }

    @OptionGroup var store: ReportStoreOptions

    @Option(help: ArgumentHelp("Only reports whose period ends on or after this date (YYYY-MM-DD or RFC 3339).", valueName: "DATE"))
    var since: String?

    @Option(help: ArgumentHelp("Only this policy domain.", valueName: "DOMAIN"))
    var domain: String?

    @Option(help: "Output: text, json or prometheus.")
    var format: Format = .text

    func validate() throws {
        if let since, Self.date(since) == nil {
            throw ValidationError("--since \"\(since)\" is not a date: give YYYY-MM-DD or an RFC 3339 time such as 2026-11-01T00:00:00Z")
        }
    }

    static func date(_ text: String) -> Date? {
        RFC3339.date(text) ?? RFC3339.date(text + "T00:00:00Z")
    }

    func run() throws {
        let printer = DiagnosticPrinter()
        guard FileManager.default.fileExists(atPath: store.path) else {
            printer.print(.error(.noInput("report-missing-file"), "\(store.path): no report store here yet; `danectl reports ingest --db \(store.path) ...` makes one"))
            throw ExitStatus.noInput.exit
        }
        let summary: ReportSummary
        do {
            summary = try store.open(printer).summary(since: since.flatMap(Self.date), domain: domain)
        } catch let error as ExitCode {
            throw error
        } catch {
            printer.print(.error(.noInput("report-store-unreadable"), "\(error)"))
            throw ExitStatus.noInput.exit
        }
        let text = switch format {
        case .text: ReportSummaryRendering.text(summary)
        case .json: ReportSummaryRendering.json(summary)
        case .prometheus: ReportSummaryRendering.prometheus(summary)
        }
        try writeStandardOutput(text, printer)
    }
}
