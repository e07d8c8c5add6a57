import ArgumentParser
import DaneFeatures
import DaneModel
import DaneOutput
import FoundationEssentials

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

            Postfix files DANE policies under the MX host's name: with --description, those \
            count for every described domain that uses the host (and --domain finds them).

            --format prometheus writes counters for node_exporter's textfile collector; \
            --output FILE writes any format atomically. --fail-on any (or a result type such as \
            certificate-expired) exits 1 when the period has such failures, for cron and CI.

            \(ExitStatus.helpLines([(.success, "summary printed (and nothing --fail-on names was reported)"),
                                    (.verdictFailure, "the reports have failures --fail-on names"),
                                    (.tryLater, "the store is busy; run again")]))
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, prometheus }

    @OptionGroup var store: ReportStoreOptions

    @Option(
        help: ArgumentHelp(
            "Only reports whose period ends on or after this date (YYYY-MM-DD or RFC 3339).", valueName: "DATE"))
    var since: String?

    @Option(help: ArgumentHelp("Only this policy domain.", valueName: "DOMAIN"))
    var domain: String?

    @Option(
        help: ArgumentHelp(
            "A danectl description: policies filed under its MX hosts count for its domains.", valueName: "FILE"),
        completion: .file())
    var description: String?

    @Option(help: "Output: text, json or prometheus.")
    var format: Format = .text

    @Option(
        help: ArgumentHelp("Write the output to FILE (atomically) instead of standard output.", valueName: "FILE"),
        completion: .file())
    var output: String?

    @Option(
        help: ArgumentHelp(
            "Exit 1 when the period has failures: \"any\", or one RFC 8460 result type.", valueName: "RESULT-TYPE"))
    var failOn: String?

    func validate() throws {
        if let failOn, ReportsSummaryRun.FailOn(failOn) == nil {
            throw ValidationError(
                "--fail-on \"\(failOn)\" is neither \"any\" nor an RFC 8460 result type (\(TLSRPTResultType.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        if let since, Self.date(since) == nil {
            throw ValidationError(
                "--since \"\(since)\" is not a date: give YYYY-MM-DD or an RFC 3339 time such as 2026-11-01T00:00:00Z")
        }
    }

    static func date(_ text: String) -> Date? {
        RFC3339.date(text) ?? RFC3339.date(text + "T00:00:00Z")
    }

    func run() throws {
        let printer = DiagnosticPrinter()
        let reports = try store.openExisting(printer)
        let summary = try runReporting(printer) { () throws(DiagnosticError) in
            try ReportsSummaryRun.run(
                store: reports, since: since.flatMap(Self.date), domain: domain, description: description)
        }
        let text =
            switch format {
            case .text: ReportSummaryRendering.text(summary)
            case .json: ReportSummaryRendering.json(summary)
            case .prometheus: ReportSummaryRendering.prometheus(summary)
            }
        try writeOutput(text, to: output, printer)
        if let rule = failOn.flatMap(ReportsSummaryRun.FailOn.init), ReportsSummaryRun.fails(summary, on: rule) {
            throw ExitStatus.verdictFailure.exit
        }
    }
}
