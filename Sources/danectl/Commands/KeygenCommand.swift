import ArgumentParser
import DaneModel
import DaneOutput
import Foundation
import LDNSKit

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a DNSSEC key pair in BIND's K<zone>.+<alg>+<tag>.key/.private format.",
        discussion: """
            The files work with ldns-signzone and dnssec-signzone as well as danectl sign. The \
            .private file is created with mode 0600; existing files are never overwritten. \
            Prints the base name (K<zone>.+<alg>+<tag>) on standard output.

            EXIT STATUS
              0   key written
              1   the key could not be made (bad zone name)
              3   the files could not be written (nothing left behind)
              64  bad command-line usage
            """)

    enum Algorithm: String, ExpressibleByArgument, CaseIterable {
        case ecdsap256sha256, ed25519, rsasha256
        var dnssec: DNSSECAlgorithm {
            switch self {
            case .ecdsap256sha256: .ecdsap256sha256
            case .ed25519: .ed25519
            case .rsasha256: .rsasha256
            }
        }
    }

    @Argument(help: "The zone the key signs, e.g. example.com.")
    var zone: String

    @Option(help: "Signing algorithm (13 ECDSAP256SHA256 is what RFC 8624 recommends).")
    var algorithm: Algorithm = .ecdsap256sha256

    @Flag(help: "Make a key-signing key (flags 257, the one whose DS goes in the parent).")
    var ksk = false

    @Option(help: ArgumentHelp("Write the files here instead of the current folder.", valueName: "DIR"))
    var directory: String = "."

    func run() throws {
        let printer = DiagnosticPrinter()
        guard (try? DNSName(hostName: zone)) != nil || zone == "." else {
            printer.error("\"\(zone)\" is not a valid zone name")
            throw ExitStatus.badInput
        }
        let key: DNSSECKey
        do {
            key = try DNSSECKey.generate(zone: zone.lowercased(), algorithm: algorithm.dnssec, ksk: ksk)
        } catch {
            printer.error(error.reason)
            throw ExitStatus.badInput
        }
        let base = URL(fileURLWithPath: directory).appendingPathComponent(key.baseName).path
        for suffix in [".key", ".private"] where FileManager.default.fileExists(atPath: base + suffix) {
            printer.error("\(base)\(suffix) already exists; not overwriting a key")
            throw ExitStatus.cannotWrite
        }
        do {
            try AtomicFiles.write([(base + ".key", key.publicFileText, 0o644), (base + ".private", key.privateFileText, 0o600)])
        } catch {
            printer.error(error.description)
            throw ExitStatus.cannotWrite
        }
        print(key.baseName)
    }
}
