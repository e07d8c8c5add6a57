import DaneModel
import FoundationEssentials
import PostgresKit

/// The shared store: one PostgreSQL database that several receivers (`reports serve` on
/// several machines, `ingest` from several MTAs) write at once. The identity rule is a unique
/// constraint, so two receivers inserting the same report at the same moment store it once
/// (`ON CONFLICT`); a batch writes its rows a statement per table, and its rollups once per
/// key in key order, so concurrent batches take their locks in the same order. Each caller
/// gets a connection of its own: ingest has two batches on the server at once.
final class PostgresReportBackend: ReportBackend {
    typealias Failure = ReportStore.Failure
    private let pool: PostgresConnectionPool

    init(url: String) throws(Failure) {
        do {
            // The summary's per-group plan is estimated expensive enough for PostgreSQL to
            // JIT-compile it, which took longer (0.5 s at 100,000 reports) than running it.
            pool = try PostgresConnectionPool(url, setup: ["SET jit = off"])
            try pool.transaction { tx throws(PostgresConnection.Failure) in
                // One creator at a time: receivers started together must not race on CREATE.
                try tx.query("SELECT pg_advisory_xact_lock(7672)")
                for statement in Self.schema { try tx.query(statement) }
            }
        } catch {
            throw Self.failure(error)
        }
    }

    private static let schema =
        [
            """
            CREATE TABLE IF NOT EXISTS report (
                id BIGSERIAL PRIMARY KEY, organization TEXT NOT NULL, report_id TEXT NOT NULL,
                start_at DOUBLE PRECISION NOT NULL, end_at DOUBLE PRECISION NOT NULL, contact TEXT NOT NULL,
                received_at DOUBLE PRECISION NOT NULL, source TEXT NOT NULL, json BYTEA NOT NULL,
                UNIQUE (organization, report_id, start_at, end_at))
            """,
            """
            CREATE TABLE IF NOT EXISTS policy (
                report BIGINT NOT NULL REFERENCES report(id) ON DELETE CASCADE, position INTEGER NOT NULL,
                policy_type TEXT NOT NULL, policy_domain TEXT NOT NULL, policy_string TEXT NOT NULL, mx_host TEXT NOT NULL,
                successful BIGINT NOT NULL, failed BIGINT NOT NULL, PRIMARY KEY (report, position))
            """,
            """
            CREATE TABLE IF NOT EXISTS failure (
                report BIGINT NOT NULL, position INTEGER NOT NULL, result_type TEXT NOT NULL,
                sending_mta_ip TEXT, receiving_mx_hostname TEXT, receiving_mx_helo TEXT, receiving_ip TEXT,
                failed_sessions BIGINT NOT NULL, additional_information TEXT, failure_reason_code TEXT,
                FOREIGN KEY (report, position) REFERENCES policy(report, position) ON DELETE CASCADE)
            """,
            """
            CREATE TABLE IF NOT EXISTS rejected (
                id BIGSERIAL PRIMARY KEY, source TEXT NOT NULL, reason TEXT NOT NULL,
                received_at DOUBLE PRECISION NOT NULL, content BYTEA NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS daily_policy (
                day INTEGER NOT NULL, policy_domain TEXT NOT NULL, policy_type TEXT NOT NULL, organization TEXT NOT NULL,
                successful BIGINT NOT NULL, failed BIGINT NOT NULL, reports BIGINT NOT NULL,
                first_at DOUBLE PRECISION NOT NULL, last_at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (day, policy_domain, policy_type, organization))
            """,
            """
            CREATE TABLE IF NOT EXISTS daily_failure (
                day INTEGER NOT NULL, policy_domain TEXT NOT NULL, policy_type TEXT NOT NULL, organization TEXT NOT NULL,
                mx TEXT NOT NULL, ip TEXT NOT NULL, result_type TEXT NOT NULL, reason_code TEXT NOT NULL,
                sessions BIGINT NOT NULL, information TEXT, last_at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (day, policy_domain, policy_type, organization, mx, ip, result_type, reason_code))
            """,
            "CREATE INDEX IF NOT EXISTS failure_policy ON failure(report, position)",
            "CREATE INDEX IF NOT EXISTS daily_policy_domain ON daily_policy(policy_domain, last_at)",
        ] + SummarySQL.postgresIndexes + historySQL.tables + SQLiteReportBackend.unusedIndexes

    private static let historySQL = VerifyHistorySQL(real: "DOUBLE PRECISION", parameter: { "$\($0)" })

    private struct Identity: Hashable {
        let organization: String, reportID: String, start: Double, end: Double
        init(_ report: AggregateReport) {
            organization = report.organizationName
            reportID = report.reportID
            start = report.dateRange.start.timeIntervalSince1970
            end = report.dateRange.end.timeIntervalSince1970
        }
        init?(_ row: [String?]) {
            guard row.count >= 5, let organization = row[1], let reportID = row[2],
                let start = row[3].flatMap(Double.init),
                let end = row[4].flatMap(Double.init)
            else { return nil }
            (self.organization, self.reportID, self.start, self.end) = (organization, reportID, start, end)
        }
        var parameters: [PostgresConnection.Value] { [.text(organization), .text(reportID), .real(start), .real(end)] }
    }

    func save(_ items: [ReportStore.Item], receivedAt: Date) throws(Failure) -> [ReportStore.Stored?] {
        let received = receivedAt.timeIntervalSince1970
        do {
            return try pool.transaction { tx throws(PostgresConnection.Failure) -> [ReportStore.Stored?] in
                var results = [ReportStore.Stored?](repeating: nil, count: items.count)
                var reports: [(index: Int, report: AggregateReport, json: Data, source: String, identity: Identity)] =
                    []
                var rejected: [(source: String, reason: String, content: Data)] = []
                for (index, item) in items.enumerated() {
                    switch item {
                    case .report(let report, let json, let source):
                        reports.append((index, report, json, source, Identity(report)))
                    case .rejected(let source, let reason, let content): rejected.append((source, reason, content))
                    }
                }
                // Identity order: two batches holding the same reports lock them in the same order.
                reports.sort {
                    ($0.identity.organization, $0.identity.reportID, $0.identity.start, $0.identity.end, $0.index)
                        < ($1.identity.organization, $1.identity.reportID, $1.identity.start, $1.identity.end, $1.index)
                }
                var ids: [Identity: Int64] = [:]
                try Self.insertRows(
                    tx,
                    "INSERT INTO report (organization, report_id, start_at, end_at, contact, received_at, source, json)",
                    columns: 8,
                    rows: reports.map {
                        $0.identity.parameters + [
                            .text($0.report.contactInfo), .real(received), .text($0.source), .bytes($0.json),
                        ]
                    },
                    suffix:
                        "ON CONFLICT (organization, report_id, start_at, end_at) DO NOTHING RETURNING id, organization, report_id, start_at, end_at"
                ) { row in
                    // Identity checks the width
                    if let identity = Identity(row), let id = row[0].flatMap(Int64.init) { ids[identity] = id }
                }
                var rows: [(id: Int64, rows: ReportRows)] = []
                for entry in reports {
                    if let id = ids.removeValue(forKey: entry.identity) {
                        results[entry.index] = .new
                        rows.append((id, ReportRows(entry.report)))
                        continue
                    }
                    let stored = try tx.query(
                        "SELECT json, source FROM report WHERE organization = $1 AND report_id = $2 AND start_at = $3 AND end_at = $4",
                        entry.identity.parameters
                    ).rows(width: 2).first
                    let verdict = ReportRows.verdict(
                        arriving: entry.report, json: entry.json,
                        storedJSON: stored?[0].flatMap(PostgresConnection.bytes(fromText:)),
                        storedSource: stored?[1] ?? nil)
                    if case .conflict(let reason) = verdict { rejected.append((entry.source, reason, entry.json)) }
                    results[entry.index] = verdict
                }
                try Self.insertRows(
                    tx, "INSERT INTO policy VALUES", columns: 8,
                    rows: rows.flatMap { report in
                        report.rows.policies.map {
                            [
                                .integer(report.id), .integer(Int64($0.position)), .text($0.type), .text($0.domain),
                                .text($0.policyString),
                                .text($0.mxHost), .integer(Int64($0.successful)), .integer(Int64($0.failed)),
                            ]
                        }
                    })
                try Self.insertRows(
                    tx, "INSERT INTO failure VALUES", columns: 10,
                    rows: rows.flatMap { report in
                        report.rows.failures.map {
                            [
                                .integer(report.id), .integer(Int64($0.position)), .text($0.resultType),
                                Self.optional($0.sendingIP),
                                Self.optional($0.mxHostname), Self.optional($0.mxHelo), Self.optional($0.receivingIP),
                                .integer(Int64($0.sessions)), Self.optional($0.information),
                                Self.optional($0.reasonCode),
                            ]
                        }
                    })
                var rollups = Rollups()
                for report in rows { rollups.merge(report.rows.rollups) }
                try Self.insertRows(
                    tx, "INSERT INTO daily_failure VALUES", columns: 11,
                    rows: rollups.failures.keys.sorted().map { key in
                        let counts = rollups.failures[key]!
                        return [
                            .integer(Int64(key.day)), .text(key.domain), .text(key.type), .text(key.organization),
                            .text(key.mx), .text(key.ip),
                            .text(key.resultType), .text(key.reasonCode), .integer(Int64(counts.sessions)),
                            Self.optional(counts.information),
                            .real(counts.lastAt),
                        ]
                    },
                    suffix: """
                        ON CONFLICT (day, policy_domain, policy_type, organization, mx, ip, result_type, reason_code) DO UPDATE SET
                            sessions = daily_failure.sessions + EXCLUDED.sessions,
                            information = GREATEST(daily_failure.information, EXCLUDED.information),
                            last_at = GREATEST(daily_failure.last_at, EXCLUDED.last_at)
                        """)
                try Self.insertRows(
                    tx, "INSERT INTO rejected (source, reason, received_at, content) VALUES", columns: 4,
                    rows: rejected.map {
                        [.text($0.source), .text($0.reason), .real(received), .bytes($0.content)]
                    })
                // Last: every batch updates the same few per-day rows, so a second batch in
                // flight waits here for the first one's commit, after doing the rest meanwhile.
                try Self.insertRows(
                    tx, "INSERT INTO daily_policy VALUES", columns: 9,
                    rows: rollups.policies.keys.sorted().map { key in
                        let counts = rollups.policies[key]!
                        return [
                            .integer(Int64(key.day)), .text(key.domain), .text(key.type), .text(key.organization),
                            .integer(Int64(counts.successful)),
                            .integer(Int64(counts.failed)), .integer(Int64(counts.reports)), .real(counts.firstAt),
                            .real(counts.lastAt),
                        ]
                    },
                    suffix: """
                        ON CONFLICT (day, policy_domain, policy_type, organization) DO UPDATE SET
                            successful = daily_policy.successful + EXCLUDED.successful, failed = daily_policy.failed + EXCLUDED.failed,
                            reports = daily_policy.reports + EXCLUDED.reports, first_at = LEAST(daily_policy.first_at, EXCLUDED.first_at),
                            last_at = GREATEST(daily_policy.last_at, EXCLUDED.last_at)
                        """)
                return results
            }
        } catch {
            throw Self.failure(error)
        }
    }

    func refreshAfterBulkLoad() {
        // The tables summary reads; VACUUM runs outside a transaction and blocks no writer.
        _ = try? pool.query("VACUUM (ANALYZE) daily_policy, daily_failure")
    }

    /// One multi-row INSERT per chunk (PostgreSQL takes at most 65,535 parameters a statement).
    private static func insertRows(
        _ tx: PostgresConnection.Transaction, _ head: String, columns: Int, rows: [[PostgresConnection.Value]],
        suffix: String = "", each: ([String?]) -> Void = { _ in }
    ) throws(PostgresConnection.Failure) {
        let perStatement = max(1, 60_000 / columns)
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(rows.count, start + perStatement)]
            var sql = head.hasSuffix("VALUES") ? head : head + " VALUES"
            var parameter = 0
            sql += chunk.map { _ in
                "("
                    + (0..<columns).map { _ in
                        parameter += 1; return "$\(parameter)"
                    }.joined(separator: ", ") + ")"
            }.joined(separator: ", ")
            sql += " " + suffix
            let result = try tx.query(sql, chunk.flatMap { $0 })
            result.values.forEach(each)
            start += perStatement
        }
    }

    private static func optional(_ text: String?) -> PostgresConnection.Value { text.map { .text($0) } ?? .null }

    func record(_ checks: [VerifyCheck], keepingFrom oldest: Double) throws(Failure) {
        let sql = Self.historySQL
        func real(_ date: Date?) -> PostgresConnection.Value { date.map { .real($0.timeIntervalSince1970) } ?? .null }
        do {
            try pool.transaction { tx throws(PostgresConnection.Failure) in
                for check in checks {
                    let at = PostgresConnection.Value.real(check.checkedAt.timeIntervalSince1970)
                    try tx.query(
                        sql.insertCheck,
                        [
                            .text(check.domain), at, .text(check.outcome), .text(VerifyHistorySQL.encode(check.codes)),
                            Self.optional(check.problem), real(check.certificateExpiry), real(check.signatureExpiry),
                            check.drift.map { .integer(Int64($0)) } ?? .null,
                            Self.optional(VerifyHistorySQL.encode(check.chainBreak)),
                        ])
                    for address in check.addresses {
                        try tx.query(
                            sql.insertAddress,
                            [
                                .text(check.domain), at, .text(address.mx), .text(address.address),
                                .text(address.verdict), Self.optional(address.code), Self.optional(address.matched),
                                real(address.certificateExpiry), .text(VerifyHistorySQL.encode(address.tlsa)),
                            ])
                    }
                }
                for statement in sql.prune { try tx.query(statement, [.real(oldest)]) }
            }
        } catch {
            throw Self.failure(error)
        }
    }

    private static func date(_ text: String?) -> Date? {
        text.flatMap(Double.init).map(Date.init(timeIntervalSince1970:))
    }

    private static func check(_ row: [String?]) -> VerifyCheck {
        VerifyCheck(
            domain: row[0] ?? "", checkedAt: date(row[1]) ?? Date(timeIntervalSince1970: 0), outcome: row[2] ?? "",
            codes: VerifyHistorySQL.decode(row[3]), problem: row[4], certificateExpiry: date(row[5]),
            signatureExpiry: date(row[6]), drift: row[7].flatMap(Int.init),
            chainBreak: VerifyHistorySQL.decodeBreak(row[8]), addresses: [])
    }

    func latest() throws(Failure) -> [VerifyCheck] {
        do { return try pool.query(Self.historySQL.selectLatest).rows(width: 9).map(Self.check) } catch {
            throw Self.failure(error)
        }
    }

    func daily(fromDay: Int, names: [String]) throws(Failure) -> [DailySessions] {
        guard !names.isEmpty else { return [] }
        do {
            return try pool.query(
                Self.historySQL.selectDaily(names: names.count), [.integer(Int64(fromDay))] + names.map { .text($0) }
            ).rows(width: 3).map { row in
                DailySessions(
                    day: Date(timeIntervalSince1970: (row[0].flatMap(Double.init) ?? 0) * 86_400),
                    successful: Self.int(row[1]), failed: Self.int(row[2]))
            }
        } catch {
            throw Self.failure(error)
        }
    }

    func history(domain: String, limit: Int) throws(Failure) -> [VerifyCheck] {
        let sql = Self.historySQL
        do {
            let checks = try pool.query(sql.selectChecks, [.text(domain), .integer(Int64(limit))]).rows(width: 9)
                .map(Self.check)
            guard let oldest = checks.last?.checkedAt.timeIntervalSince1970 else { return [] }
            let addresses = try pool.query(sql.selectAddresses, [.text(domain), .real(oldest)]).rows(width: 8)
                .map { row in
                    (
                        at: row[0].flatMap(Double.init) ?? 0,
                        VerifyCheck.Address(
                            mx: row[1] ?? "", address: row[2] ?? "", verdict: row[3] ?? "", code: row[4],
                            matched: row[5], certificateExpiry: Self.date(row[6]), tlsa: VerifyHistorySQL.decode(row[7])
                        )
                    )
                }
            return VerifyHistorySQL.attach(addresses, to: checks)
        } catch {
            throw Self.failure(error)
        }
    }

    func rejected(limit: Int) throws(Failure) -> [ReportStore.RejectedInput] {
        do {
            return try pool.query(
                "SELECT id, source, reason, received_at, length(content) FROM rejected ORDER BY id DESC LIMIT $1",
                [.integer(Int64(limit))]
            ).rows(width: 5).compactMap { row in
                guard let id = row[0].flatMap(Int64.init), let source = row[1], let reason = row[2],
                    let at = row[3].flatMap(Double.init),
                    let size = row[4].flatMap(Int.init)
                else { return nil }
                return ReportStore.RejectedInput(
                    id: id, source: source, reason: reason, receivedAt: Date(timeIntervalSince1970: at), size: size)
            }
        } catch {
            throw Self.failure(error)
        }
    }

    func rejectedContent(id: Int64) throws(Failure) -> Data? {
        do {
            let rows = try pool.query("SELECT content FROM rejected WHERE id = $1", [.integer(id)])
            return rows.rows(width: 1).first?[0].flatMap(PostgresConnection.bytes(fromText:))
        } catch {
            throw Self.failure(error)
        }
    }

    func totals(since: Double, names: [String]?) throws(Failure) -> SummaryTotals {
        let filter =
            names.map { "AND policy_domain IN (\((0..<$0.count).map { "$\($0 + 2)" }.joined(separator: ", ")))" } ?? ""
        let parameters: [PostgresConnection.Value] = [.real(since)] + (names ?? []).map { .text($0) }
        let sql = SummarySQL(
            first: "$1", filter: filter, names: { "json_agg(DISTINCT \($0))::text" },
            triples: "json_agg(json_build_array(ip, s, n))::text")
        do {
            var totals = SummaryTotals()
            totals.policies = try pool.query(sql.policies, parameters).rows(width: 8).map { row in
                PolicyTotalsRow(
                    domain: row[0] ?? "", type: row[1] ?? "", successful: Self.int(row[2]), failed: Self.int(row[3]),
                    reports: Self.int(row[4]), organizations: SummaryQuery.names(fromJSON: row[5]),
                    firstAt: Double(row[6] ?? "") ?? 0, lastAt: Double(row[7] ?? "") ?? 0)
            }
            totals.failures = try pool.query(sql.failures, parameters).rows(width: 9).map { row in
                FailureTotalsRow(
                    domain: row[0] ?? "", type: row[1] ?? "", mx: row[2] ?? "", resultType: row[3] ?? "",
                    reasonCode: row[4] ?? "", sessions: Self.int(row[5]),
                    organizations: SummaryQuery.names(fromJSON: row[6]),
                    information: row[7], addresses: FailureTotalsRow.addresses(fromJSON: row[8]))
            }
            totals.rejected =
                try pool.query("SELECT COUNT(*) FROM rejected").rows(width: 1).first?[0].flatMap(Int.init) ?? 0
            return totals
        } catch {
            throw Self.failure(error)
        }
    }

    private static func int(_ text: String?) -> Int { text.flatMap(Int.init) ?? 0 }

    private static func failure(_ error: PostgresConnection.Failure) -> Failure {
        Failure(description: error.description, transient: error.transient)
    }
}
