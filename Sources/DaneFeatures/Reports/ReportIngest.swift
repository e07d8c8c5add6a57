import DaneModel
import Foundation
import ReportStore

/// Takes whatever a sender delivered (report JSON, gzip, or the whole e-mail) and stores each
/// report in it once. An input that is not a readable report is kept aside with the reason;
/// nothing given to `ingest` is dropped.
public struct ReportIngest: Sendable {
    public struct Limits: Sendable {
        /// Largest input accepted (a compressed report or a whole message).
        public var input: Int
        /// Largest report JSON after decompression.
        public var expanded: Int

        public init(input: Int = 32 << 20, expanded: Int = 64 << 20) {
            self.input = input
            self.expanded = expanded
        }
    }

    /// What became of one report (or one unreadable input).
    public enum Outcome: Sendable, Equatable {
        case stored(reportID: String, organization: String, domains: [String])
        case duplicate(reportID: String)
        case keptAside(reason: String)
    }

    public let store: ReportStore
    public let limits: Limits
    public var now: @Sendable () -> Date = { Date() }

    public init(store: ReportStore, limits: Limits = Limits()) {
        self.store = store
        self.limits = limits
    }

    /// One input: the outcome for each report it holds (an e-mail may hold several), or a
    /// single `.keptAside` when it holds none that can be read.
    public func ingest(_ data: Data, source: String) throws(ReportStore.Failure) -> [Outcome] {
        let received = now()
        let reports: [Data]
        do {
            reports = try unpack(data)
        } catch {
            try store.keepAside(source: source, reason: error.description, content: data, receivedAt: received)
            return [.keptAside(reason: error.description)]
        }
        var outcomes: [Outcome] = []
        for json in reports {
            do {
                let report = try AggregateReport.decode(json: json)
                switch try store.store(report, json: json, source: source, receivedAt: received) {
                case .new:
                    outcomes.append(.stored(reportID: report.reportID, organization: report.organizationName,
                                            domains: Array(Set(report.policies.map(\.policy.policyDomain))).sorted()))
                case .duplicate:
                    outcomes.append(.duplicate(reportID: report.reportID))
                }
            } catch let malformed as AggregateReport.Malformed {
                try store.keepAside(source: source, reason: malformed.description, content: json, receivedAt: received)
                outcomes.append(.keptAside(reason: malformed.description))
            } catch let failure as ReportStore.Failure {
                throw failure
            } catch {
                throw ReportStore.Failure(description: "\(error)")
            }
        }
        return outcomes
    }

    struct Unreadable: Error, CustomStringConvertible {
        let description: String
    }

    /// The report JSON texts in an input: itself, its gzip contents, or an e-mail's report parts.
    func unpack(_ data: Data) throws(Unreadable) -> [Data] {
        guard data.count <= limits.input else {
            throw Unreadable(description: "\(data.count) bytes, more than the \(limits.input)-byte limit for one input")
        }
        guard !data.isEmpty else { throw Unreadable(description: "empty input") }
        if Gunzip.isGzip(data) { return [try inflate(data)] }
        if ReportMail.looksLikeMail(data) {
            let parts: [ReportMail.Part]
            do { parts = try ReportMail.reportParts(of: data) } catch { throw Unreadable(description: error.description) }
            var reports: [Data] = []
            for part in parts { reports.append(part.gzipped ? try inflate(part.data) : part.data) }
            return reports
        }
        return [data]
    }

    private func inflate(_ data: Data) throws(Unreadable) -> Data {
        do { return try Gunzip.inflate(data, limit: limits.expanded) } catch { throw Unreadable(description: error.description) }
    }
}
