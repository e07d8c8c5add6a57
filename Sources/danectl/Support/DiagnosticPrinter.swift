import DaneModel
import FileKit
import FoundationEssentials
import Glibc

/// Prints diagnostics to standard error as `file:line:col: error: message [code]`, in colour only
/// when standard error is a terminal that is not `TERM=dumb` and `NO_COLOR` is unset.
struct DiagnosticPrinter {
    let colour: Bool

    init() { colour = Self.colourAllowed(STDERR_FILENO) }

    /// Colour only on a terminal that is not `TERM=dumb`, and never with `NO_COLOR` set.
    static func colourAllowed(_ descriptor: Int32) -> Bool {
        let environment = ProcessInfo.processInfo.environment
        return isatty(descriptor) == 1 && environment["TERM"] != "dumb" && environment["NO_COLOR"] == nil
    }

    /// Every diagnostic, in file, line and column order (the order an editor walks them);
    /// diagnostics without a place keep their order, after those of the same file.
    func print(_ diagnostics: [Diagnostic]) {
        let ordered = diagnostics.enumerated().sorted { a, b in
            let (x, y) = (a.element.location, b.element.location)
            let keyX = (x?.file ?? "", x?.line ?? Int.max, x?.column ?? Int.max, a.offset)
            let keyY = (y?.file ?? "", y?.line ?? Int.max, y?.column ?? Int.max, b.offset)
            return keyX < keyY
        }
        for (_, diagnostic) in ordered { print(diagnostic) }
    }

    func print(_ diagnostic: Diagnostic) {
        var line = TerminalText.visible(diagnostic.description) + " [\(diagnostic.code)]"
        if colour {
            let code =
                switch diagnostic.severity {
                case .error: "31";
                case .warning: "33";
                case .note: "36"
                }
            let label = "\(diagnostic.severity.rawValue):"
            if let place = line.firstRange(of: label) {
                line.replaceSubrange(place, with: "\u{1B}[1;\(code)m\(label)\u{1B}[0m")
            }
        }
        Descriptors.writeStandardError(line + "\n")
    }
}
