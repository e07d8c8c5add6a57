import ArgumentParser
import DaneFeatures
import DaneModel
import FoundationEssentials

struct DSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ds",
        abstract: "Print the DS record (SHA-256) to publish in the parent zone for a key.",
        discussion: """
            KEYFILE is a BIND-format key: the base name K<zone>.+<alg>+<tag>, or its .key or \
            .private file (both files must be present and belong together).

            With --cds and/or --cdnskey, prints instead the CDS (the same digest) and CDNSKEY \
            records to publish in the child zone itself, for parents that scan for them \
            (RFC 7344, RFC 8078); `danectl sign --cds` adds them while signing.

            \(ExitStatus.helpLines([(.success, "DS printed")]))
            """)

    @Argument(
        help: ArgumentHelp("The key: K<zone>.+<alg>+<tag>[.key|.private].", valueName: "KEYFILE"), completion: .file())
    var keyFile: String

    @Flag(help: "Print the CDS record for the child zone instead of the DS.")
    var cds = false

    @Flag(help: "Print the CDNSKEY record for the child zone instead of the DS.")
    var cdnskey = false

    func run() throws {
        let printer = DiagnosticPrinter()
        let (record, warnings) = try runReporting(printer) { () throws(DiagnosticError) in
            try DSRecords.ds(forKey: keyFile, cds: cds, cdnskey: cdnskey)
        }
        printer.print(warnings)
        try writeStandardOutput(record + "\n", printer)
    }
}
