import DaneModel
import DaneSpec
import FoundationEssentials
import ReportStore

/// `reports summary` as the CLI calls it: the store's totals, with policies filed under an MX
/// host (Postfix's tlsrpt-reporter files DANE policies there) counted for every described
/// domain that uses the host, and the `--fail-on` rule for cron and CI.
public enum ReportsSummaryRun {
    /// What makes a summary fail: any failed session, or failures of one RFC 8460 result type.
    public enum FailOn: Sendable, Equatable {
        case any
        case resultType(TLSRPTResultType)

        /// "any" or an RFC 8460 result type name; nil for anything else.
        public init?(_ text: String) {
            if text == "any" {
                self = .any
            } else if let type = TLSRPTResultType(rawValue: text) {
                self = .resultType(type)
            } else {
                return nil
            }
        }
    }

    public static func run(
        store: ReportStore, since: Date?, domain: String?, description: String?
    ) throws(DiagnosticError) -> ReportSummary {
        let filedUnder =
            try description.map { path throws(DiagnosticError) in hostsToDomains(try DescriptionLoader.load(path: path))
            } ?? [:]
        do {
            return try store.summary(since: since, domain: domain, filedUnder: filedUnder)
        } catch {
            throw DiagnosticError(
                .error(
                    error.transient ? .tryLater("later-report-store") : .noInput("report-store-unreadable"),
                    error.description))
        }
    }

    /// Each described MX host (and each domain itself) with the domains its reports count for.
    public static func hostsToDomains(_ description: DomainDescription) -> [String: [String]] {
        var map: [String: [String]] = [:]
        for domain in description.domains {
            let name = String(domain.name.fqdn.dropLast())
            map[name, default: []].append(name)
            for reference in domain.mx where reference.host != domain.name {
                map[String(reference.host.fqdn.dropLast()), default: []].append(name)
            }
        }
        return map.mapValues { Array(Set($0)).sorted() }
    }

    /// True when the summary reports what `rule` fails on.
    public static func fails(_ summary: ReportSummary, on rule: FailOn) -> Bool {
        switch rule {
        case .any: summary.policies.contains { $0.failedSessions > 0 || $0.failures.contains { $0.sessions > 0 } }
        case .resultType(let type):
            summary.policies.contains { $0.failures.contains { $0.knownType == type && $0.sessions > 0 } }
        }
    }
}
