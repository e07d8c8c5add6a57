import DaneModel
import FoundationEssentials
import ReportStore
import ZlibKit

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
        /// The same organisation, report-id and date range is stored with other content: this
        /// one was kept aside for review (never dropped, never over the stored one).
        case conflicting(reportID: String, reason: String)
        case keptAside(reason: String)
    }

    public let store: ReportStore
    public let limits: Limits
    public let clock: any Clock

    public init(store: ReportStore, limits: Limits = Limits(), clock: any Clock) {
        self.store = store
        self.limits = limits
        self.clock = clock
    }

    /// One input: the outcome for each report it holds (an e-mail may hold several), or a
    /// single `.keptAside` when it holds none that can be read.
    public func ingest(_ data: Data, source: String) throws(ReportStore.Failure) -> [Outcome] {
        try ingest([(data, source)])[0]
    }

    /// Several inputs stored in one transaction (one disk sync): the outcomes of each, in order.
    public func ingest(_ inputs: [(data: Data, source: String)]) throws(ReportStore.Failure) -> [[Outcome]] {
        try save(inputs.map { prepare($0.data, source: $0.source) })
    }

    /// One input read and checked, not yet stored.
    public struct Prepared: Sendable {
        public let items: [ReportStore.Item]
        /// Over the input limit, or gzip expanding past its ceiling (a bomb): an HTTP receiver
        /// refuses these (413) instead of keeping them.
        public let oversized: Bool
    }

    /// Stores prepared inputs in one transaction: the outcomes of each, in order.
    public func save(_ prepared: [Prepared]) throws(ReportStore.Failure) -> [[Outcome]] {
        var items: [ReportStore.Item] = []
        var owners: [Int] = []
        var outcomes: [[Outcome]] = Array(repeating: [], count: prepared.count)
        for (index, input) in prepared.enumerated() {
            for item in input.items {
                items.append(item)
                owners.append(index)
            }
        }
        let stored = try store.save(items, receivedAt: clock.now())
        for (position, item) in items.enumerated() {
            switch (item, stored[position]) {
            case (.report(let report, _, _), .new?):
                outcomes[owners[position]].append(
                    .stored(
                        reportID: report.reportID, organization: report.organizationName,
                        domains: Array(Set(report.filedUnder)).sorted()))
            case (.report(let report, _, _), .conflict(let reason)?):
                outcomes[owners[position]].append(.conflicting(reportID: report.reportID, reason: reason))
            case (.report(let report, _, _), _):
                outcomes[owners[position]].append(.duplicate(reportID: report.reportID))
            case (.rejected(_, let reason, _), _):
                outcomes[owners[position]].append(.keptAside(reason: reason))
            }
        }
        return outcomes
    }

    /// The reports in one input, decoded and checked, or why it holds none.
    public func prepare(_ data: Data, source: String) -> Prepared {
        let reports: [Data]
        do {
            reports = try unpack(data)
        } catch {
            return Prepared(
                items: [.rejected(source: source, reason: error.description, content: data)], oversized: error.oversized
            )
        }
        return Prepared(
            items: reports.map { json -> ReportStore.Item in
                do throws(AggregateReport.Malformed) {
                    return .report(try AggregateReport.decode(json: json), json: json, source: source)
                } catch {
                    return .rejected(source: source, reason: error.description, content: json)
                }
            }, oversized: false)
    }

    struct Unreadable: Error, CustomStringConvertible {
        let description: String
        var oversized = false
    }

    /// The report JSON texts in an input: itself, its gzip contents, or an e-mail's report parts.
    /// The expansion ceiling holds for the input as a whole, however many gzip parts it has.
    func unpack(_ data: Data) throws(Unreadable) -> [Data] {
        guard data.count <= limits.input else {
            throw Unreadable(
                description: "\(data.count) bytes, more than the \(limits.input)-byte limit for one input",
                oversized: true)
        }
        guard !data.isEmpty else { throw Unreadable(description: "empty input") }
        // A report written with a byte order mark (or as UTF-16) is still JSON, not an e-mail.
        let data = AggregateReport.utf8(data)
        if Gunzip.isGzip(data) { return [try inflate(data, budget: limits.expanded)] }
        if ReportMail.looksLikeMail(data) {
            let parts: [ReportMail.Part]
            do { parts = try ReportMail.reportParts(of: data) } catch {
                throw Unreadable(description: error.description)
            }
            var reports: [Data] = []
            var budget = limits.expanded
            for part in parts {
                let report = part.gzipped ? try inflate(part.data, budget: budget) : part.data
                budget -= report.count
                guard budget >= 0 else {
                    throw Unreadable(
                        description:
                            "the report parts of this message expand to more than \(limits.expanded) bytes together",
                        oversized: true)
                }
                reports.append(report)
            }
            return reports
        }
        return [data]
    }

    /// Gunzip within what is left of the input's expansion budget.
    private func inflate(_ data: Data, budget: Int) throws(Unreadable) -> Data {
        do { return try Gunzip.inflate(data, limit: budget) } catch {
            if case .tooLarge = error {
                throw Unreadable(
                    description: "gzip expanding past the \(limits.expanded)-byte limit for one input (a gzip bomb?)",
                    oversized: true)
            }
            throw Unreadable(description: error.description)
        }
    }
}
