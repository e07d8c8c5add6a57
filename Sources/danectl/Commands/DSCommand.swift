import ArgumentParser
import Foundation
import LDNSKit

struct DSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ds",
        abstract: "Print the DS record (SHA-256) to publish in the parent zone for a key.",
        discussion: """
            KEYFILE is a BIND-format key: the base name K<zone>.+<alg>+<tag>, or its .key or \
            .private file (both files must be present and belong together).

            EXIT STATUS
              0   DS printed
              1   the key files are missing, corrupt or do not match
            """)

    @Argument(help: ArgumentHelp("The key: K<zone>.+<alg>+<tag>[.key|.private].", valueName: "KEYFILE"))
    var keyFile: String

    func run() throws {
        do {
            let key = try DNSSECKey.load(path: keyFile)
            if !key.isKSK {
                DiagnosticPrinter().print(.warning("ds.zsk", "\(key.baseName) is a zone-signing key (flags 256); the parent's DS usually points at the key-signing key"))
            }
            print(try key.dsRecord())
        } catch {
            DiagnosticPrinter().print(.error("key.invalid", error.reason, at: .init(file: keyFile)))
            throw ExitStatus.badInput
        }
    }
}
