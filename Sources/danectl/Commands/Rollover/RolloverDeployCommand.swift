import ArgumentParser
import DaneFeatures
import DaneModel
import FileKit
import Foundation

struct RolloverDeployCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Install a renewed certificate only when senders can authenticate it; then prepare the next key.",
        discussion: """
            A certificate for the key in service (a renewal that reused its key) is installed at \
            once: the TLSA records do not change. A certificate for the host's published next key \
            is installed only when `rollover check` would say SAFE; before that it exits 75 and \
            changes nothing (run it again from a timer). Any other key is refused, and the old \
            certificate keeps serving.

            Installing writes the chain to the host's `certificate:` file and the key to its \
            `private_key:` file (the old ones kept as .previous), runs --reload, and confirms with \
            the post-deploy check; if senders could not authenticate the result, the previous \
            files are put back and reloaded. Then a fresh next key and CSR are made at `next:`: \
            publish their hash (danectl generate), which also retires the old one.

            As a certbot deploy hook (--certbot), the chain and key come from RENEWED_LINEAGE \
            (fullchain.pem, privkey.pem) and the host from RENEWED_DOMAINS:
              certbot renew --deploy-hook 'danectl rollover deploy /etc/danectl/mx.yaml --certbot --reload "postfix reload"'

            Deploy uses the real clock only (no --now) and the same evidence as `rollover check`.

            \(ExitStatus.helpLines([(.success, "installed, and senders authenticate it"),
                                    (.verdictFailure, "refused (wrong or unpublished key, gate unsafe), or installed then rolled back"),
                                    (.verdictDNSProblem, "DNS problem (nothing installed)"),
                                    (.tryLater, "not yet: the next hash has not been published long enough (nothing installed)")]))
            """)

    @Argument(help: ArgumentHelp("The YAML domain description.", valueName: "FILE")) var file: String
    @Option(help: ArgumentHelp("The MX host to deploy to.", valueName: "HOST")) var host: String?
    @Option(help: ArgumentHelp("The new certificate chain, leaf first (PEM).", valueName: "CHAIN")) var certificate: String?
    @Option(help: ArgumentHelp("The new certificate's private key (default: the host's `next:` file).", valueName: "KEY")) var key: String?
    @Flag(help: "Run as a certbot deploy hook: chain, key and host from RENEWED_LINEAGE and RENEWED_DOMAINS.") var certbot = false
    @Option(help: ArgumentHelp("Command that makes the MX reload its certificate (run with /bin/sh -c).", valueName: "CMD")) var reload: String?
    @Option(help: ArgumentHelp("Seconds --reload may take; past them it is stopped and the previous files go back.", valueName: "SECONDS"))
    var reloadTimeout: Int = 120
    @Option(help: ArgumentHelp("Where first-seen times are kept (default FILE.rollover.json).", valueName: "PATH")) var state: String?
    @Option(help: ArgumentHelp("Seconds your publishing pipeline needs; added to the wait.", valueName: "SECONDS")) var publishDelay: Int = 0
    @OptionGroup var dns: ResolverOptions

    func validate() throws {
        if certbot && (certificate != nil || key != nil) { throw ValidationError("--certbot takes the chain and key from RENEWED_LINEAGE; drop --certificate and --key") }
        if !certbot && certificate == nil { throw ValidationError("give --certificate CHAIN (or --certbot in a certbot deploy hook)") }
        if !certbot && host == nil { throw ValidationError("give --host HOST") }
        guard (0...31_536_000).contains(publishDelay) else { throw ValidationError("--publish-delay must be from 0 to 31536000 seconds") }
    }

    func run() throws {
        let printer = DiagnosticPrinter()
        var request = DeployRequest(file: file, certificate: certificate ?? "")
        request.host = host
        request.key = key
        if certbot {
            let environment = ProcessInfo.processInfo.environment
            guard let lineage = environment["RENEWED_LINEAGE"], !lineage.isEmpty else {
                printer.print(.error(.usage("usage-certbot"), "--certbot runs as certbot's deploy hook, which sets RENEWED_LINEAGE; it is not set"))
                throw ExitStatus.usage.exit
            }
            request.certificate = lineage + "/fullchain.pem"
            request.key = lineage + "/privkey.pem"
            request.certbotDomains = (environment["RENEWED_DOMAINS"] ?? "").split(separator: " ").map(String.init)
        }
        request.statePath = state
        request.resolver = dns.resolver
        request.timeout = dns.timeout
        request.publishDelay = TimeInterval(publishDelay)
        let (command, limit) = (reload, TimeInterval(reloadTimeout))
        let outcome = try runReporting(printer) { () throws(DiagnosticError) in
            try RolloverDeploy.run(request, reload: { command.flatMap { ReloadCommand.run($0, timeout: limit) } }, world: .live)
        }
        if let (path, text) = outcome.evidenceToWrite {
            do { try AtomicFiles.write(text, to: path) } catch {
                printer.print(.warning("output-state", "cannot record first-seen times in \(path): \(error.description)"))
            }
        }
        try writeStandardOutput("\(outcome.host)  \(outcome.result.rawValue.uppercased())\n" + outcome.messages.map { "  \($0)\n" }.joined(), printer)
        switch outcome.result {
        case .installed, .unchanged: return
        case .notYet: throw ExitStatus.tryLater.exit
        case .refused, .rolledBack: throw ExitStatus.verdictFailure.exit
        }
    }
}
