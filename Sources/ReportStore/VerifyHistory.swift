import DaneModel
import FoundationEssentials

/// One domain's `verify` result as the store keeps it (`verify --db`), so that history exists:
/// the verdict and its codes, the first problem, the earliest expiries, drift, and each MX
/// address's verdict and TLSA match. Facts only; pages and trends render them.
public struct VerifyCheck: Sendable, Equatable {
    public struct Address: Sendable, Equatable {
        public var mx: String
        public var address: String
        /// `AddressReport.Verdict`'s raw value.
        public var verdict: String
        /// The sender's result type when the address fails (e.g. `tlsa-invalid`).
        public var code: String?
        /// The TLSA record the served certificate matched, when one did.
        public var matched: String?
        public var certificateExpiry: Date?
        /// The MX host's TLSA records as published (presentation form).
        public var tlsa: [String]

        public init(
            mx: String, address: String, verdict: String, code: String?, matched: String?, certificateExpiry: Date?,
            tlsa: [String] = []
        ) {
            (self.mx, self.address, self.verdict, self.code) = (mx, address, verdict, code)
            (self.matched, self.certificateExpiry, self.tlsa) = (matched, certificateExpiry, tlsa)
        }
    }

    public var domain: String
    public var checkedAt: Date
    /// `DomainReport.Outcome`'s raw value.
    public var outcome: String
    /// Every code the run found for the domain, most serious first, each once.
    public var codes: [String]
    /// The first problem in the sender's words (as the Nagios line says it); nil when none.
    public var problem: String?
    public var certificateExpiry: Date?
    public var signatureExpiry: Date?
    /// Records that differ from the description; nil when no description was compared.
    public var drift: Int?
    /// The first broken link of the chain of trust, when an answer was bogus.
    public var chainBreak: ChainBreak?
    public var addresses: [Address]

    public init(
        domain: String, checkedAt: Date, outcome: String, codes: [String], problem: String?,
        certificateExpiry: Date?, signatureExpiry: Date?, drift: Int?, chainBreak: ChainBreak? = nil,
        addresses: [Address]
    ) {
        (self.domain, self.checkedAt, self.outcome, self.codes, self.problem) = (
            domain, checkedAt, outcome, codes, problem
        )
        (self.certificateExpiry, self.signatureExpiry, self.drift, self.chainBreak, self.addresses) = (
            certificateExpiry, signatureExpiry, drift, chainBreak, addresses
        )
    }
}

extension ReportStore {
    /// Keeps `checks` and forgets checks made before `oldest` (retention), in one transaction.
    public func record(_ checks: [VerifyCheck], keepingFrom oldest: Date) throws(Failure) {
        do { try backend.record(checks, keepingFrom: oldest.timeIntervalSince1970) } catch {
            throw error.located(location, "cannot keep the verify results")
        }
    }

    /// The newest kept check of every domain, by name (without their addresses).
    public func latestChecks() throws(Failure) -> [VerifyCheck] {
        do { return try backend.latest() } catch { throw error.located(location, "cannot read the verify history") }
    }

    /// TLS-RPT sessions per day for `domain` (and the names filed for it), from `since`'s day.
    public func dailySessions(
        domain: String, since: Date, filedUnder: [String: [String]] = [:]
    ) throws(Failure) -> [DailySessions] {
        let names = SummaryQuery(domain: domain, filedUnder: filedUnder).names ?? [Self.domainKey(domain)]
        do {
            return try backend.daily(fromDay: Int((since.timeIntervalSince1970 / 86_400).rounded(.down)), names: names)
        } catch {
            throw error.located(location, "cannot read the report rollups")
        }
    }

    /// A domain's kept checks, newest first.
    public func verifyHistory(domain: String, limit: Int = 100) throws(Failure) -> [VerifyCheck] {
        do { return try backend.history(domain: Self.domainKey(domain), limit: limit) } catch {
            throw error.located(location, "cannot read the verify history")
        }
    }
}

/// One day of TLS-RPT sessions for a domain, as senders reported them.
public struct DailySessions: Sendable, Equatable {
    /// The day (00:00 UTC) the reports' periods start on.
    public var day: Date
    public var successful: Int
    public var failed: Int

    public init(day: Date, successful: Int, failed: Int) {
        (self.day, self.successful, self.failed) = (day, successful, failed)
    }
}

/// The verify history's SQL, written once for both databases (`parameter(n)` is `?n` or `$n`).
struct VerifyHistorySQL: Sendable {
    let real: String
    let parameter: @Sendable (Int) -> String

    private func parameters(_ count: Int) -> String { (1...count).map(parameter).joined(separator: ", ") }

    var tables: [String] {
        [
            """
            CREATE TABLE IF NOT EXISTS verify_check (
                domain TEXT NOT NULL, checked_at \(real) NOT NULL, outcome TEXT NOT NULL, codes TEXT NOT NULL,
                problem TEXT, certificate_expiry \(real), signature_expiry \(real), drift INTEGER, chain_break TEXT,
                PRIMARY KEY (domain, checked_at))
            """,
            """
            CREATE TABLE IF NOT EXISTS verify_address (
                domain TEXT NOT NULL, checked_at \(real) NOT NULL, mx TEXT NOT NULL, address TEXT NOT NULL,
                verdict TEXT NOT NULL, code TEXT, matched TEXT, certificate_expiry \(real), tlsa TEXT NOT NULL,
                PRIMARY KEY (domain, checked_at, mx, address))
            """,
            "CREATE INDEX IF NOT EXISTS verify_check_time ON verify_check (checked_at)",
        ]
    }

    var insertCheck: String {
        "INSERT INTO verify_check VALUES (\(parameters(9))) ON CONFLICT (domain, checked_at) DO NOTHING"
    }
    var insertAddress: String {
        "INSERT INTO verify_address VALUES (\(parameters(9))) ON CONFLICT (domain, checked_at, mx, address) DO NOTHING"
    }
    var prune: [String] {
        [
            "DELETE FROM verify_address WHERE checked_at < \(parameter(1))",
            "DELETE FROM verify_check WHERE checked_at < \(parameter(1))",
        ]
    }
    var selectChecks: String {
        """
        SELECT domain, checked_at, outcome, codes, problem, certificate_expiry, signature_expiry, drift, chain_break
        FROM verify_check WHERE domain = \(parameter(1)) ORDER BY checked_at DESC LIMIT \(parameter(2))
        """
    }
    var selectLatest: String {
        """
        SELECT domain, checked_at, outcome, codes, problem, certificate_expiry, signature_expiry, drift, chain_break
        FROM verify_check c
        WHERE checked_at = (SELECT MAX(checked_at) FROM verify_check m WHERE m.domain = c.domain) ORDER BY domain
        """
    }
    /// Sessions per day from the rollups, for the names `1...count` after the first day.
    func selectDaily(names count: Int) -> String {
        """
        SELECT day, SUM(successful), SUM(failed) FROM daily_policy WHERE day >= \(parameter(1))
        AND policy_domain IN (\((2...count + 1).map(parameter).joined(separator: ", "))) GROUP BY day ORDER BY day
        """
    }
    var selectAddresses: String {
        """
        SELECT checked_at, mx, address, verdict, code, matched, certificate_expiry, tlsa FROM verify_address
        WHERE domain = \(parameter(1)) AND checked_at >= \(parameter(2)) ORDER BY checked_at DESC, mx, address
        """
    }

    /// The codes column: a JSON array of strings.
    static func encode(_ codes: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(codes)) ?? Data("[]".utf8), as: UTF8.self)
    }
    static func decode(_ text: String?) -> [String] {
        text.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
    }

    /// The chain_break column: the break as JSON, or NULL.
    static func encode(_ chainBreak: ChainBreak?) -> String? {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return chainBreak.flatMap { try? encoder.encode($0) }.map { String(decoding: $0, as: UTF8.self) }
    }
    static func decodeBreak(_ text: String?) -> ChainBreak? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return text.flatMap { try? decoder.decode(ChainBreak.self, from: Data($0.utf8)) }
    }

    /// Puts each address row under its check (same checked_at).
    static func attach(_ addresses: [(at: Double, VerifyCheck.Address)], to checks: [VerifyCheck]) -> [VerifyCheck] {
        let grouped = Dictionary(grouping: addresses, by: \.at)
        return checks.map { check in
            var check = check
            check.addresses = grouped[check.checkedAt.timeIntervalSince1970]?.map(\.1) ?? []
            return check
        }
    }
}
