import ArgumentParser
import DaneFeatures
import DaneModel

struct RolloverPrepareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract:
            "Make each host's next private key and a CSR for it, so its hash is published long before any certificate exists.",
        discussion: """
            For every MX host whose `next:` file does not exist yet (only --host's, if given): a \
            new private key of the same kind as the one in service (curve, RSA size, EdDSA) at \
            that path, mode 0600, and a certificate signing request for the host's name beside it \
            (the same name ending in .csr). Then `danectl generate` publishes the next hash, and \
            weeks later an ACME client issues for that CSR (certbot certonly --csr, dehydrated \
            --signcsr, lego --csr). Existing files are never replaced: running it again changes nothing.

            \(ExitStatus.helpLines([(.success, "next keys in place (made now or already there)")]))
            """)

    @Argument(help: ArgumentHelp("The YAML domain description.", valueName: "FILE"), completion: .file()) var file:
        String
    @Option(name: .customLong("host"), help: ArgumentHelp("Only this MX host (repeatable).", valueName: "HOST"))
    var hosts: [String] = []

    func run() throws {
        let printer = DiagnosticPrinter()
        let prepared = try runReporting(printer) { () throws(DiagnosticError) in
            try RolloverPrepare.run(file: file, hosts: hosts)
        }
        var lines = prepared.map { key in
            key.made
                ? "\(key.host)  made \(key.keyPath) (0600) and \(key.csrPath)"
                : "\(key.host)  \(key.keyPath) exists; left as it is"
        }
        if prepared.contains(where: \.made) {
            lines.append("publish the next hashes now: danectl generate \(file) (then sign and load the zone)")
        }
        if prepared.isEmpty { lines.append("no host has a `next:` to prepare") }
        try writeStandardOutput(lines.joined(separator: "\n") + "\n", printer)
    }
}
