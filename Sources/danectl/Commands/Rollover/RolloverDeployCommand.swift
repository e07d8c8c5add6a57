import ArgumentParser
import DaneFeatures
import DaneModel
import FoundationEssentials

struct RolloverDeployCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Install a renewed certificate only when senders can authenticate it; then prepare the next key.",
        discussion: """
            A certificate for the key in service (a renewal that reused its key) is installed at \
            once: the TLSA records do not change. A certificate for the host's published next key \
            is installed only when `rollover check` would say SAFE; before that nothing changes, \
            the deployment is recorded as pending (FILE.pending.json, 0600: certificate, key, \
            host, --reload), and it exits 75. `rollover deploy FILE --pending` (run by \
            contrib/systemd's danectl-deploy-pending.timer, or cron) installs what is pending once \
            it is safe: an ACME client's hook that ran early is finished, not forgotten. \
            `rollover status FILE` shows what is pending, since when, and when it will be safe. \
            Any other key is refused, and the old certificate keeps serving.

            Deploy never writes an ACME client's files (certbot's live/ and archive/, lego's \
            certificates, acme.sh's): it reads the renewed certificate and key there, installs \
            into the files the description names, and leaves a `next:` key the client owns alone.

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

    @Argument(help: ArgumentHelp("The YAML domain description.", valueName: "FILE"), completion: .file()) var file:
        String
    @Option(help: ArgumentHelp("The MX host to deploy to.", valueName: "HOST")) var host: String?
    @Option(help: ArgumentHelp("The new certificate chain, leaf first (PEM).", valueName: "CHAIN"), completion: .file())
    var certificate: String?
    @Option(
        help: ArgumentHelp("The new certificate's private key (default: the host's `next:` file).", valueName: "KEY"),
        completion: .file()) var key: String?
    @Flag(help: "Run as a certbot deploy hook: chain, key and host from RENEWED_LINEAGE and RENEWED_DOMAINS.")
    var certbot = false
    @Flag(
        help:
            "Run as a lego hook: chain, key and host from LEGO_CERT_PATH, LEGO_CERT_KEY_PATH, LEGO_CERT_DOMAIN (lego 4), or LEGO_HOOK_CERT_PATH, LEGO_HOOK_CERT_KEY_PATH, LEGO_HOOK_CERT_DOMAINS (lego 5)."
    ) var lego = false
    @Flag(help: "Install the deployments recorded as pending for FILE once they are safe (from a timer).") var pending =
        false
    @Option(
        help: ArgumentHelp("Command that makes the MX reload its certificate (run with /bin/sh -c).", valueName: "CMD"))
    var reload: String?
    @Option(
        help: ArgumentHelp(
            "Seconds --reload may take; past them it is stopped and the previous files go back.", valueName: "SECONDS"))
    var reloadTimeout: Int = 120
    @Option(
        help: ArgumentHelp("Where first-seen times are kept (default FILE.rollover.json).", valueName: "PATH"),
        completion: .file()) var state: String?
    @Option(help: ArgumentHelp("Seconds your publishing pipeline needs; added to the wait.", valueName: "SECONDS"))
    var publishDelay: Int = 0
    @OptionGroup var dns: ResolverOptions

    func validate() throws {
        let hook = certbot || lego
        if certbot && lego { throw ValidationError("--certbot and --lego are two different hooks: give one") }
        if pending && (hook || certificate != nil || key != nil || host != nil) {
            throw ValidationError(
                "--pending installs what earlier runs recorded: give only FILE (and --reload options for entries without one)"
            )
        }
        if hook && (certificate != nil || key != nil) {
            throw ValidationError(
                "--certbot/--lego take the chain and key from the hook's environment; drop --certificate and --key")
        }
        if !hook && !pending && certificate == nil {
            throw ValidationError(
                "give --certificate CHAIN (or --certbot/--lego in an ACME client's hook, or --pending)")
        }
        if !hook && !pending && host == nil { throw ValidationError("give --host HOST") }
        guard (0...31_536_000).contains(publishDelay) else {
            throw ValidationError("--publish-delay must be from 0 to 31536000 seconds")
        }
    }

    func run() throws {
        let printer = DiagnosticPrinter()
        let request = try runReporting(printer) { () throws(DiagnosticError) in try self.request() }
        if pending { return try runPending(request, printer) }
        let (command, limit) = (reload, TimeInterval(reloadTimeout))
        let outcome = try runReporting(printer) { () throws(DiagnosticError) in
            try RolloverDeploy.run(
                request, reload: { command.flatMap { ReloadCommand.run($0, timeout: limit) } }, world: .live)
        }
        let followUp = DeployFollowUp.record(outcome, request: request, reload: reload, now: Date())
        printer.print(followUp.problems)
        try writeStandardOutput(
            "\(outcome.host)  \(outcome.result.rawValue.uppercased())\n"
                + (outcome.messages + followUp.messages).map { "  \($0)\n" }.joined(), printer)
        let status = DeployFollowUp.status([outcome.result])
        if status != .success { throw status.exit }
    }

    /// The deploy as asked: the chain and key from the options, or from the ACME client's hook.
    private func request() throws(DiagnosticError) -> DeployRequest {
        var request = DeployRequest(file: file, certificate: certificate ?? "")
        (request.host, request.key) = (host, key)
        let environment = ProcessInfo.processInfo.environment
        if let hook = certbot ? try ACMEHook.certbot(environment) : lego ? try ACMEHook.lego(environment) : nil {
            (request.certificate, request.key, request.certbotDomains) = (hook.chain, hook.key, hook.domains)
        }
        (request.statePath, request.resolver, request.timeout) = (state, dns.resolver, dns.timeout)
        request.publishDelay = TimeInterval(publishDelay)
        return request
    }

    func runPending(_ base: DeployRequest, _ printer: DiagnosticPrinter) throws {
        let attempts = try runReporting(printer) { () throws(DiagnosticError) in
            try PendingDeploy.run(file: file, base: base, reloadTimeout: TimeInterval(reloadTimeout), world: .live)
        }
        var text = attempts.isEmpty ? "nothing pending for \(file)\n" : ""
        for attempt in attempts {
            if let outcome = attempt.outcome {
                if let problem = outcome.evidenceToWrite?.write() { printer.print(problem) }
                text +=
                    "\(outcome.host)  \(outcome.result.rawValue.uppercased())  (pending since \(RFC3339.string(attempt.pending.since)))\n"
                    + outcome.messages.map { "  \($0)\n" }.joined()
            } else if let error = attempt.error {
                printer.print(error.diagnostics)
                text += "\(attempt.pending.host)  STILL PENDING  (could not check now; kept)\n"
            }
        }
        try writeStandardOutput(text, printer)
        if attempts.contains(where: { $0.error != nil }) { throw ExitStatus.tryLater.exit }
        let status = DeployFollowUp.status(attempts.compactMap { $0.outcome?.result })
        if status != .success { throw status.exit }
    }
}
