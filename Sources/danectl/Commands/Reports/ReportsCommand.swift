import ArgumentParser
import DaneModel
import FoundationEssentials
import ReportStore

struct ReportsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reports",
        abstract: "Read the TLS-RPT reports (RFC 8460) senders send to your rua address: store, summarise, receive.",
        discussion: """
            Senders that honour your _smtp._tls record (Exchange Online, Gmail and others) send a \
            daily JSON report of the TLS sessions they tried with your MX hosts: how many \
            succeeded, and each failure with its result type (the same names `danectl verify` \
            gives). `ingest` stores reports from files, a Maildir or an MTA pipe; `serve` is the \
            https: rua receiver; `summary` says what they report, with each failure's fix.
            """,
        subcommands: [
            ReportsIngestCommand.self, ReportsSummaryCommand.self, ReportsRejectedCommand.self,
            ReportsServeCommand.self,
        ])
}
