import DaneModel
import Foundation

/// Prints diagnostics to standard error as `file:line:col: error: message [code]`, in colour only
/// when standard error is a terminal that is not `TERM=dumb` and `NO_COLOR` is unset.
struct DiagnosticPrinter {
    let colour: Bool

    init() {
        let environment = ProcessInfo.processInfo.environment
        colour = isatty(STDERR_FILENO) == 1 && environment["TERM"] != "dumb" && environment["NO_COLOR"] == nil
    }

    func print(_ diagnostics: [Diagnostic]) {
        for diagnostic in diagnostics { print(diagnostic) }
    }

    func print(_ diagnostic: Diagnostic) {
        var line = diagnostic.description + (diagnostic.code == "danectl" ? "" : " [\(diagnostic.code)]")
        if colour {
            let code = switch diagnostic.severity { case .error: "31"; case .warning: "33"; case .note: "36" }
            let label = "\(diagnostic.severity.rawValue):"
            line = line.replacingOccurrences(of: label, with: "\u{1B}[1;\(code)m\(label)\u{1B}[0m", options: [], range: line.range(of: label))
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    func error(_ message: String) {
        print(.error("danectl", message))
    }
}
