import DaneModel
import FoundationEssentials

/// What `verify` writes once every domain is known, per format: the closing summary of a
/// stream (text, JSON Lines), or the whole document (JSON, an RFC 8460 report, Prometheus).
public enum VerifyDocument {
    public struct Settings: Sendable {
        public var quiet = false
        public var organization = "danectl"
        public var contact = "danectl verify"
        public var started: Date
        public var now: Date
        public init(started: Date, now: Date) {
            self.started = started
            self.now = now
        }
    }

    public static func render(
        _ reports: [DomainReport], as format: VerifyFormat, status: ExitStatus, runWarning: VerifyFinding?,
        _ settings: Settings
    ) -> String {
        switch format {
        case .text:
            (runWarning.map { "warning: \($0.message)\n" } ?? "")
                + VerifySummary.line(reports, status: status.rawValue, always: settings.quiet || reports.count > 1)
        case .jsonl:
            VerifyJSON.summaryLine(reports, exitStatus: status.rawValue, warnings: runWarning.map { [$0] } ?? [])
        case .json:
            VerifyJSON.render(
                settings.quiet ? reports.filter { $0.outcome != .pass } : reports, exitStatus: status.rawValue)
        case .tlsrpt:
            TLSRPTReport.render(
                reports, started: settings.started, now: settings.now, organization: settings.organization,
                contact: settings.contact)
        case .prometheus:
            VerifyPrometheus.render(reports, now: settings.now)
        }
    }
}
