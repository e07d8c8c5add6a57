import ArgumentParser
import DaneFeatures
import DaneModel
import DaneOutput
import FoundationEssentials
import Glibc
import ReportStore

/// The store every `reports` subcommand uses.
struct ReportStoreOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            """
            The report store: an SQLite file (PATH or sqlite:PATH, created when missing) or a PostgreSQL \
            database several receivers share (postgres://USER@HOST/DB; password from ~/.pgpass or PGPASSWORD). \
            Default: $DANECTL_REPORTS_DB, else ./tlsrpt-reports.sqlite.
            """, valueName: "STORE"), completion: .file())
    var db: String?

    var location: StoreLocation {
        StoreLocation(db ?? ProcessInfo.processInfo.environment["DANECTL_REPORTS_DB"] ?? "tlsrpt-reports.sqlite")
    }

    /// Opens a store that must already exist (reading commands never create an SQLite file):
    /// 66 when missing.
    func openExisting(_ printer: DiagnosticPrinter) throws -> ReportStore {
        if case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
            printer.print(
                .error(
                    .noInput("report-missing-file"),
                    "\(path): no report store here yet; `danectl reports ingest --db \(path) ...` makes one"))
            throw ExitStatus.noInput.exit
        }
        return try open(printer)
    }

    /// Opens the store; one that cannot be opened or created ends the command with 73, or 75
    /// when the fault can pass or the input comes from an MTA pipe (which must not bounce).
    func open(_ printer: DiagnosticPrinter, fromPipe: Bool = false) throws -> ReportStore {
        do {
            return try ReportStore(location: location)
        } catch {
            let status: ExitStatus = error.transient || fromPipe ? .tryLater : .cannotCreate
            printer.print(.error(ErrorCode("output-report-store", exit: status), error.description))
            throw status.exit
        }
    }
}

/// Size ceilings shared by `ingest` and `serve`.
struct ReportLimitOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp("Largest input accepted, in MiB (a compressed report or a whole message).", valueName: "MIB")
    )
    var maxInput: Int = 32
    @Option(
        help: ArgumentHelp(
            "Largest report JSON after gunzip, in MiB; more is refused as a gzip bomb.", valueName: "MIB"))
    var maxExpanded: Int = 64

    func validate() throws {
        guard (1...4096).contains(maxInput) else { throw ValidationError("--max-input must be from 1 to 4096 MiB") }
        guard (1...4096).contains(maxExpanded) else {
            throw ValidationError("--max-expanded must be from 1 to 4096 MiB")
        }
    }
}

/// `verify --db`: where each run's results are kept, and for how long.
struct VerifyHistoryOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            """
            Keep this run's results (per domain and MX address: verdict, codes, TLSA match, expiries, drift) in \
            the report store: an SQLite file (PATH or sqlite:PATH) or postgres://USER@HOST/DB, the same as `reports`.
            """, valueName: "STORE"), completion: .file())
    var store: String?

    @Option(help: ArgumentHelp("With --db: forget results older than this many days (1 to 3650).", valueName: "DAYS"))
    var keepDays = 90

    func validate() throws { try requireRange(Double(keepDays), 1...3650, "--keep-days") }

    /// Keeps the run's results; nil when kept (or not asked), else the status to end with
    /// (75 when trying again can work, 73 otherwise), the reason printed.
    func record(_ reports: [DomainReport], at time: Date, _ printer: DiagnosticPrinter) -> ExitStatus? {
        guard let store else { return nil }
        let checks = VerifyHistoryRecords.checks(reports, at: time) { VerifyNagios.problems($0).first }
        do {
            try VerifyHistoryRecords.record(
                checks, in: try ReportStore(location: StoreLocation(store)), at: time, keepDays: keepDays)
            return nil
        } catch {
            let status: ExitStatus = error.transient ? .tryLater : .cannotCreate
            printer.print(.error(ErrorCode("output-verify-history", exit: status), error.description))
            return status
        }
    }
}
