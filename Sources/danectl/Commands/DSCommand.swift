import ArgumentParser
import DaneFeatures
import DaneModel
import Foundation

struct DSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ds",
        abstract: "Print the DS record (SHA-256) to publish in the parent zone for a key.",
        discussion: """
            KEYFILE is a BIND-format key: the base name K<zone>.+<alg>+<tag>, or its .key or \
            .private file (both files must be present and belong together).

            \(ExitStatus.helpLines([(.success, "DS printed")]))
            """)

    @Argument(help: ArgumentHelp("The key: K<zone>.+<alg>+<tag>[.key|.private].", valueName: "KEYFILE"))
    var keyFile: String

    func run() throws {
        let printer = DiagnosticPrinter()
        let (record, warnings) = try runReporting(printer) { () throws(DiagnosticError) in try DSRecords.ds(forKey: keyFile) }
        printer.print(warnings)
        try writeStandardOutput(record + "\n", printer)
    }
}
