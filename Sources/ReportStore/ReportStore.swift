import DaneModel
import FoundationEssentials

/// Where TLS-RPT reports are kept: an SQLite file by default, or a PostgreSQL database that
/// several receivers share (`StoreLocation`). A report's identity is organisation +
/// report-id + date range (RFC 8460 does not make report-id unique across senders, and two
/// Postfix sites send the same one); a re-sent identical report is a duplicate, the same
/// identity with other content is kept aside with the reason, and every input that could not
/// be read is kept aside too, so nothing a sender sent is lost. Per-day rollups kept at insert
/// time make `summary` independent of how many reports are stored. Safe to share between
/// threads.
public final class ReportStore: Sendable {
    public let location: StoreLocation
    let backend: any ReportBackend

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
        /// Busy (another writer held it), full, read-only, unreachable or an I/O error: trying
        /// again later can succeed, so an MTA pipe must defer (75), never bounce.
        public let transient: Bool
        public init(description: String, transient: Bool = false) {
            self.description = description
            self.transient = transient
        }
        func located(_ location: StoreLocation, _ doing: String) -> Failure {
            Failure(description: "\(location): \(doing): \(description)", transient: transient)
        }
    }

    public enum Stored: Sendable, Equatable {
        case new
        /// The same report (same identity and content) was already stored.
        case duplicate
        /// Another report with the same identity but other content is stored: this one was
        /// kept aside with the reason.
        case conflict(reason: String)
    }

    /// Opens (creating when missing) the store and brings its tables up to date. An SQLite
    /// file is created readable by its owner only.
    public init(location: StoreLocation) throws(Failure) {
        self.location = location
        switch location {
        case .sqlite(let path):
            do { backend = try SQLiteReportBackend(path: path) } catch {
                throw error.located(location, "cannot open the report store")
            }
        case .postgres(let url):
            do { backend = try PostgresReportBackend(url: url) } catch {
                throw error.located(location, "cannot open the report store")
            }
        }
    }

    public convenience init(path: String) throws(Failure) { try self.init(location: .sqlite(path: path)) }

    /// How many batches a writer may have in flight at once: SQLite takes one writer at a
    /// time; PostgreSQL stores one batch while the next is sent, on a connection of its own
    /// (the server's work was the critical path of a PostgreSQL ingest).
    public var batchesInFlight: Int {
        if case .postgres = location { return 2 }
        return 1
    }

    /// The store's own files (an SQLite database and its journals): never inputs.
    public var files: [String] {
        guard case .sqlite(let path) = location else { return [] }
        return [path, path + "-wal", path + "-shm", path + "-journal"]
    }

    /// What one input holds, ready to keep: a readable report, or why it is not one.
    public enum Item: Sendable {
        case report(AggregateReport, json: Data, source: String)
        case rejected(source: String, reason: String, content: Data)
    }

    /// Stores one report unless the same report is already kept.
    public func store(_ report: AggregateReport, json: Data, source: String, receivedAt: Date) throws(Failure) -> Stored
    {
        try save([.report(report, json: json, source: source)], receivedAt: receivedAt)[0] ?? .duplicate
    }

    /// Keeps an input that is not a readable report, with why, for a person to look at.
    public func keepAside(source: String, reason: String, content: Data, receivedAt: Date) throws(Failure) {
        _ = try save([.rejected(source: source, reason: reason, content: content)], receivedAt: receivedAt)
    }

    /// Keeps every item in one transaction (one disk sync for the lot): all or none. For each
    /// item, what became of its report (nil for rejected inputs).
    public func save(_ items: [Item], receivedAt: Date) throws(Failure) -> [Stored?] {
        guard !items.isEmpty else { return [] }
        do { return try backend.save(items, receivedAt: receivedAt) } catch {
            throw error.located(location, "cannot store \(items.count == 1 ? "the input" : "\(items.count) inputs")")
        }
    }

    /// After many reports were added at once (an ingest of a batch or more): brings the
    /// planner's statistics and PostgreSQL's visibility map up to date, as its manual advises
    /// after a bulk load, so the next summary runs the plan it was written for (1.3 s instead
    /// of 0.9 s at 100,000 reports before autovacuum came round). Advisory: every report is
    /// already committed, so a failure here only means the server will catch up by itself.
    public func refreshAfterBulkLoad() {
        backend.refreshAfterBulkLoad()
    }

    /// One input kept aside, as `reports rejected` lists it.
    public struct RejectedInput: Sendable, Equatable {
        public let id: Int64
        public let source: String
        public let reason: String
        public let receivedAt: Date
        public let size: Int
    }

    /// Inputs kept aside, newest first.
    public func rejected(limit: Int = 100) throws(Failure) -> [RejectedInput] {
        do { return try backend.rejected(limit: limit) } catch { throw error.located(location, "cannot read") }
    }

    /// The content of one input kept aside (to look at, or to ingest again once fixed).
    public func rejectedContent(id: Int64) throws(Failure) -> Data? {
        do { return try backend.rejectedContent(id: id) } catch { throw error.located(location, "cannot read") }
    }

    /// What the stored reports say, per domain and policy, for reports ending at or after
    /// `since` (all when nil), for one domain or all. `filedUnder` maps a name reports are
    /// filed under (an MX host: Postfix files DANE policies there) to the domains it counts
    /// for; names not in it count for themselves. Read from the per-day rollups.
    public func summary(
        since: Date?, domain: String?, filedUnder: [String: [String]] = [:]
    ) throws(Failure) -> ReportSummary {
        let query = SummaryQuery(domain: domain, filedUnder: filedUnder)
        do {
            let totals = try backend.totals(
                since: since?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude, names: query.names)
            return query.assemble(
                since: since, policies: totals.policies, failures: totals.failures, rejected: totals.rejected)
        } catch {
            throw error.located(location, "cannot summarise")
        }
    }

    /// Domains compare without case and trailing dot, as DNS names do.
    public static func domainKey(_ name: String) -> String {
        let lower = name.lowercased()
        return lower.hasSuffix(".") ? String(lower.dropLast()) : lower
    }
}

/// One kind of database behind `ReportStore`. Failures carry only the reason; the store adds
/// where and what it was doing.
protocol ReportBackend: Sendable {
    func save(_ items: [ReportStore.Item], receivedAt: Date) throws(ReportStore.Failure) -> [ReportStore.Stored?]
    func rejected(limit: Int) throws(ReportStore.Failure) -> [ReportStore.RejectedInput]
    func rejectedContent(id: Int64) throws(ReportStore.Failure) -> Data?
    func totals(
        since: Double, names: [String]?
    ) throws(ReportStore.Failure) -> SummaryTotals
    func record(_ checks: [VerifyCheck], keepingFrom oldest: Double) throws(ReportStore.Failure)
    func refreshAfterBulkLoad()
    func history(domain: String, limit: Int) throws(ReportStore.Failure) -> [VerifyCheck]
    func latest() throws(ReportStore.Failure) -> [VerifyCheck]
    func daily(fromDay: Int, names: [String]) throws(ReportStore.Failure) -> [DailySessions]
}
