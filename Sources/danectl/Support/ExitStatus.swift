import ArgumentParser
import DaneModel
import FileKit
import FoundationEssentials
import Glibc

extension ExitStatus {
    /// Ends the command with this status.
    var exit: ExitCode { ExitCode(rawValue) }
}

/// Runs a command's work: errors are printed once, sorted by place, and mapped to the one
/// exit-status vocabulary (`ExitStatus`); `mapStatus` lets Nagios mode say UNKNOWN instead.
func runReporting<T>(
    _ printer: DiagnosticPrinter, mapStatus: (DiagnosticError) -> Int32 = { ExitStatus(stoppedBy: $0).rawValue },
    _ body: () throws(DiagnosticError) -> T
) throws -> T {
    do {
        return try body()
    } catch {
        printer.print(error.diagnostics)
        throw ExitCode(mapStatus(error))
    }
}

/// Checks a numeric option: finite and within `range`, else a usage error naming the option.
func requireRange(_ value: Double, _ range: ClosedRange<Double>, _ option: String) throws {
    guard value.isFinite, range.contains(value) else {
        throw ValidationError(
            "\(option) must be a number from \(range.lowerBound.formatted()) to \(range.upperBound.formatted()) (got \(value))"
        )
    }
}

extension Double {
    fileprivate func formatted() -> String { self == rounded() ? String(Int(self)) : String(self) }
}

/// Writes text to standard output and fails with 73 when it cannot be written (a full disk,
/// a closed pipe): output that silently went nowhere must not look like success.
/// `text` to the file `output` (atomically) or, without one, to standard output; 73 when it cannot be written.
func writeOutput(_ text: String, to output: String?, _ printer: DiagnosticPrinter) throws {
    guard let output else { return try writeStandardOutput(text, printer) }
    do { try AtomicFiles.write(text, to: output) } catch {
        printer.print(.error(.cannotCreate("output-write"), error.description))
        throw ExitStatus.cannotCreate.exit
    }
}

func writeStandardOutput(_ text: String, _ printer: DiagnosticPrinter) throws {
    try streamStandardOutput({ sink in sink(text) }, printer)
}

/// What `render` makes, written to standard output piece by piece as it is made; 73 when a
/// piece cannot be written (and nothing more is rendered).
func streamStandardOutput(_ render: (TextSink) -> Bool, _ printer: DiagnosticPrinter) throws {
    guard Descriptors.write(render, to: STDOUT_FILENO) else { return try reportStandardOutputFailure(errno, printer) }
}

/// Standard output refused a write (errno `failure`): 73; said unless the reader closed the
/// pipe (`| head` has what it wanted).
func reportStandardOutputFailure(_ failure: Int32, _ printer: DiagnosticPrinter) throws {
    if failure != EPIPE {
        printer.print(
            .error(
                .cannotCreate("output-stdout"), "cannot write to standard output: \(String(cString: strerror(failure)))"
            ))
    }
    throw ExitStatus.cannotCreate.exit
}

/// Every byte of `text` to standard output (retrying short writes and EINTR); false when the
/// descriptor refuses (full disk, closed pipe), with errno saying why.
func writeAllToStandardOutput(_ text: String) -> Bool { Descriptors.writeAll(text, to: STDOUT_FILENO) }

/// A `--ca-file` that cannot be read is a missing input (66), said once, before any work,
/// instead of surfacing as a WebPKI failure on every certificate.
func requireReadableCAFile(_ path: String?, _ printer: DiagnosticPrinter) throws {
    guard let path, !FileManager.default.isReadableFile(atPath: path) else { return }
    printer.print(.error(.noInput("ca-file-missing-file"), "cannot read the CA file", at: SourceLocation(file: path)))
    throw ExitStatus.noInput.exit
}
