import ArgumentParser
import DaneFeatures
import DaneModel
import DaneOutput
import FoundationEssentials

struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Send the description's records to the zone's primary as an RFC 2136 update, signed with TSIG.",
        discussion: """
            Asks --server (the primary, directly) what it serves for the RRsets danectl owns — \
            the TLSA records of described hosts, the MX of domains whose hosts give a priority, \
            and _smtp._tls TXT of domains with tlsrpt: — and sends one UPDATE per zone with \
            the smallest change that makes them match `danectl generate`. Nothing else in the \
            zone is touched. Every RRset the update changes is pinned by a prerequisite as it \
            was read (RFC 2136 §2.4), so if someone changes it meanwhile the server refuses \
            the whole update and nothing is applied: run publish again.

            The key file is what `tsig-keygen` (BIND) or `keymgr -t` (Knot) prints, or one \
            line ALGORITHM:NAME:SECRET. The server's answer must carry a valid TSIG; an \
            unsigned "success" is not believed.

            For a zone the server signs itself (BIND dnssec-policy, Knot dnssec-signing), \
            publish waits until the change is served signed (--wait) and reports the new SOA \
            serial.

            Rollovers: publish after `rollover prepare` (current + next) and again after \
            deploy (old hash gone); `rollover check` still decides when deploying is safe.

            \(ExitStatus.helpLines([(.success, "published (or nothing to change; or --dry-run)"),
                                    (.verdictFailure, "with --expect-no-changes: the served records differ from the description"),
                                    (.notAuthoritative, "--server is not the zone's primary (NOTAUTH, NOTZONE, or no SOA for the zone)"),
                                    (.tryLater, "an RRset changed since it was read (prerequisite failed; nothing applied), or the change is not served (signed) within --wait"),
                                    (.noPermission, "the server rejected the TSIG key: BADKEY, BADSIG or BADTIME"),
                                    (.refusedByPolicy, "the server REFUSED: its update policy does not cover this key and zone")]))
            Status 69 also covers a timeout and an answer that cannot be trusted (bad TSIG on \
            NOERROR); then the update may or may not have been applied: run publish again.
            """)

    @Argument(help: ArgumentHelp("The YAML domain description.", valueName: "FILE"), completion: .file())
    var file: String

    @Option(help: ArgumentHelp("The zone's primary name server.", valueName: "ADDR[:PORT]"))
    var server: String

    @Option(
        help: ArgumentHelp(
            "The TSIG key file (tsig-keygen or keymgr -t output). Not needed with --dry-run.", valueName: "FILE"),
        completion: .file())
    var tsigKey: String?

    @Option(name: .customLong("zone"), help: ArgumentHelp("Only this zone (repeatable).", valueName: "ZONE"))
    var zones: [String] = []

    @Flag(help: "Show the plan (RRsets to add, replace, delete, with old and new values) and send nothing.")
    var dryRun = false

    @Flag(
        help:
            "Exit 1 when the served records differ from the description (for CI; combine with --dry-run to only check)."
    )
    var expectNoChanges = false

    @Option(help: "Output: text or json.")
    var format: OutputChoice = .text

    @Option(help: ArgumentHelp("Seconds allowed for each query and for the update, 0.1 to 600.", valueName: "SECONDS"))
    var timeout: Double = 10

    @Option(
        help: ArgumentHelp(
            "Seconds to wait for the change to be served (signed, if the server signs the zone); 0 does not wait.",
            valueName: "SECONDS"))
    var wait: Double = 60

    @Flag(
        help:
            "Treat warnings (the pre-flight's too: an MX host without an address, TLSA in an unsigned zone) as errors: send nothing."
    )
    var warningsAsErrors = false

    @Option(
        help: ArgumentHelp(
            "The validating resolver that finds the zone's name servers, to record when every one serves the TLSA records (default: the system's).",
            valueName: "ADDR[:PORT]"))
    var resolver: String?

    @Option(
        help: ArgumentHelp(
            "The rollover state file first-seen times go to, as `rollover check --state` (default: FILE.rollover.json).",
            valueName: "PATH"), completion: .file())
    var state: String?

    func validate() throws {
        try requireRange(timeout, 0.1...600, "--timeout")
        try requireRange(wait, 0...3600, "--wait")
        if tsigKey == nil && !dryRun {
            throw ValidationError("--tsig-key FILE is needed to send an update (or use --dry-run)")
        }
    }

    func run() throws {
        let printer = DiagnosticPrinter()
        let outcome = try runReporting(printer) { () throws(DiagnosticError) in
            try PublishRun.run(request, world: .live)
        }
        printer.print(outcome.warnings)
        if let problem = outcome.evidenceToWrite?.write() { printer.print(problem) }
        printer.print(outcome.evidenceNotes.map { .warning("publish-first-seen-not-recorded", $0) })
        let status: ExitStatus =
            if let failure = outcome.failure {
                ExitStatus(stoppedBy: DiagnosticError(failure))
            } else if expectNoChanges && outcome.hasChanges { .verdictFailure } else { .success }
        let text =
            format == .json
            ? PublishRendering.json(outcome.zones, server: server, dryRun: dryRun, exitStatus: status.rawValue)
            : PublishRendering.text(outcome.zones, dryRun: dryRun)
        try writeStandardOutput(text, printer)
        if let failure = outcome.failure { printer.print(failure) }
        if expectNoChanges && outcome.hasChanges && outcome.failure == nil {
            printer.print(
                .error(
                    .badData("changes-expected-none"),
                    "the served records differ from the description (--expect-no-changes)"))
        }
        if status != .success { throw status.exit }
    }

    private var request: PublishRequest {
        var request = PublishRequest(file: file, server: server)
        (request.tsigKey, request.zones, request.dryRun, request.timeout) = (tsigKey, zones, dryRun, timeout)
        (request.waitSeconds, request.warningsAsErrors, request.resolver, request.statePath) = (
            wait, warningsAsErrors, resolver, state
        )
        return request
    }
}
