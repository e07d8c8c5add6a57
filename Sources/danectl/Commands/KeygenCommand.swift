import ArgumentParser
import DaneFeatures
import DaneModel
import FoundationEssentials
import Glibc

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a DNSSEC key pair in BIND's K<zone>.+<alg>+<tag>.key/.private format.",
        discussion: """
            The files work with ldns-signzone and dnssec-signzone as well as danectl sign. The \
            .private file is created with mode 0600; existing files are never overwritten. \
            Prints the base name (K<zone>.+<alg>+<tag>) on standard output.

            \(ExitStatus.helpLines([(.success, "key written")]))
            """)

    @Argument(help: "The zone the key signs, e.g. example.com.")
    var zone: String

    @Option(
        help:
            "Signing algorithm, by number or name: 13 or ECDSAP256SHA256 (what RFC 8624 recommends), 15 or ED25519, 8 or RSASHA256."
    )
    var algorithm: DNSSECAlgorithm = .ecdsap256sha256

    @Flag(help: "Make a key-signing key (flags 257, the one whose DS goes in the parent).")
    var ksk = false

    @Option(
        help: ArgumentHelp("Write the files here instead of the current folder.", valueName: "DIR"),
        completion: .directory)
    var directory: String = "."

    func validate() throws {
        guard (try? DNSName(zoneName: zone)) != nil || zone == "." else {
            throw ValidationError("\"\(zone)\" is not a valid zone name")
        }
    }

    func run() throws {
        let printer = DiagnosticPrinter()
        let base = try runReporting(printer) { () throws(DiagnosticError) in
            try KeyGeneration.write(zone: zone, algorithm: algorithm, ksk: ksk, into: directory)
        }
        try writeStandardOutput(base + "\n", printer)
    }
}
