import ArgumentParser
import DaneModel
import Foundation
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
