import ArgumentParser
import DaneFeatures
import DaneModel
import DaneOutput
import FileKit
import FoundationEssentials
import Glibc

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check live domains exactly as a DANE-enforcing sender (Postfix, Exchange Online) does.",
        discussion: """
            For each domain: MX with DNSSEC (no MX: the domain itself), then each MX host's A/AAAA \
            and, when those are DNSSEC-secure, its TLSA records at _25._tcp.<host> (following a \
            secure CNAME, RFC 7672 §2.2.2); then, on every address, SMTP, STARTTLS and a TLS \
            handshake under OpenSSL's DANE verifier (the one Postfix uses). Usage 0/1 records are \
            unusable for SMTP. Probes run side by side, each within --timeout seconds.

            Every failure is named as a sender names it: Exchange Online's NDR code (5.7.321 \
            starttls-not-supported, 5.7.322 certificate-expired, 5.7.323 tlsa-invalid, 5.7.324 \
            dnssec-invalid, 4/5.4.312 DNS query failed) and the RFC 8460 result type, with a fix \
            and what the sender does next.

            By default the validating resolver's AD bit is trusted (as Postfix does): --resolver \
            must point at a validating resolver you trust, over a path you trust. With \
            --trust-anchor FILE, danectl validates every answer itself from that anchor (queries \
            go out with CD set), so any resolver, or even an authoritative server, will do.

            Given a danectl YAML description instead of domain names, verifies each of its \
            domains and reports drift: live TLSA, MX and TLS-RPT records that differ from what \
            `danectl generate` makes from that file (in JSON, each domain's "drift" list). With \
            --expect-no-changes, drift fails the run (status 1) even when DANE passes: a CI gate \
            for "what is served is what the description says".

            When a domain publishes MTA-STS (RFC 8461, an _mta-sts TXT record), verify also \
            fetches its policy from https://mta-sts.<domain>/.well-known/mta-sts.txt under WebPKI \
            (system CAs, or --ca-file), reads it, checks its mx patterns against the live MX \
            hosts and each MX certificate under WebPKI for its name; problems carry RFC 8460's \
            result types (sts-policy-fetch-error, sts-policy-invalid, sts-webpki-invalid, \
            certificate-*). With mode enforce (or no readable policy) they fail the run (1); with \
            mode testing they are reported only. With a description, a policy changed without a \
            new id (or the reverse) is named.

            The verdict is the worst over all domains.
            \(ExitStatus.helpLines([(.success, "every MX host of every domain authenticates by DANE"),
                                    (.verdictFailure, "DANE fails somewhere: senders will defer or bounce mail to that host; or MTA-STS is enforced and fails; with --expect-no-changes, also drift"),
                                    (.verdictDNSProblem, "DNS or DNSSEC problem (bogus signatures, broken delegation, lookups failing)"),
                                    (.verdictNotProtected, "mail flows, but DANE is not in force (unsigned zone, no usable TLSA record)")]))
            With --nagios: 0 OK (every MX host authenticates), 1 WARNING (expiring soon, drift, \
            not protected), 2 CRITICAL (DANE or DNSSEC failure), 3 UNKNOWN (could not run).
            """)

    typealias Format = VerifyFormat

    @Argument(
        help: ArgumentHelp("Domains to check, or a danectl YAML description.", valueName: "DOMAIN|FILE"),
        completion: .file())
    var targets: [String] = []

    @Option(
        help: ArgumentHelp(
            "Also check the domains listed in FILE, one a line (# starts a comment); \"-\" reads standard input.",
            valueName: "FILE"), completion: .file())
    var domainsFrom: String?

    @OptionGroup var dns: ResolverOptions
    @OptionGroup var history: VerifyHistoryOptions

    @Option(
        help: ArgumentHelp(
            "Validate DNSSEC here from this trust anchor (DS or DNSKEY records) instead of trusting the resolver's AD bit; then --resolver need not validate.",
            valueName: "FILE"), completion: .file())
    var trustAnchor: String?

    @Option(
        help: "Whose rules: rfc7672 (Postfix; DANE-EE ignores dates) or exchange-online (expired certificates fail).")
    var profile: SenderProfile = .rfc7672

    @Option(
        help:
            "Output: text, json, jsonl (one JSON object per domain as soon as it is known, then a summary), tlsrpt (an RFC 8460 report, as a sending MTA would send it), or prometheus (node_exporter textfile)."
    )
    var format: Format = .text

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "Write the report to this file, replaced atomically (for node_exporter's textfile directory), instead of standard output.",
            valueName: "FILE"), completion: .file())
    var output: String?

    @Flag(help: "Print only the domains that do not pass, and the summary line.")
    var quiet = false

    @Option(
        help: ArgumentHelp(
            "Domains checked at once (each also probes its MX addresses side by side); their own DNS questions "
                + "are asked ahead, 4 per domain slot and at most 100 in flight. A cold run over many domains "
                + "waits on the resolver's recursion, so more at once finish sooner.", valueName: "N"))
    var jobs: Int = 64

    @Option(
        help: ArgumentHelp(
            "Trusted CA certificates (PEM) for the MTA-STS checks (policy host and MX certificates under WebPKI), instead of the system's.",
            valueName: "FILE"), completion: .file())
    var caFile: String?

    @Flag(
        help:
            "Check DNS and DNSSEC only, without SMTP (for machines whose outbound port 25 is blocked): no certificate is checked."
    )
    var dnsOnly = false

    @Option(help: ArgumentHelp("With --format tlsrpt: the report's organization-name.", valueName: "NAME"))
    var organization = "danectl"

    @Option(
        help: ArgumentHelp("With --format tlsrpt: the report's contact-info (an address or URI).", valueName: "CONTACT")
    )
    var contact = "danectl verify"

    @Flag(help: "With a YAML description: exit 1 when live records differ from it (drift), even if DANE passes.")
    var expectNoChanges = false

    @Flag(help: "Nagios plugin: one status line with perfdata; 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.")
    var nagios = false

    @Option(
        help: ArgumentHelp(
            "Warn about certificates and signatures that expire within this many days (below sign's 14-day validity, so a freshly signed zone is quiet).",
            valueName: "DAYS"))
    var warnDays: Int = 7

    @Option(
        help: ArgumentHelp("MX hosts checked per domain, by preference (senders stop after a few).", valueName: "N"))
    var mxLimit: Int = 10

    @Flag(
        help:
            "Also ask every authoritative server of each zone for the MX, address and TLSA records: name a server that serves other data, an older serial, or signatures expiring sooner (a stale secondary)."
    )
    var allServers = false

    func validate() throws {
        guard (0...3650).contains(warnDays) else { throw ValidationError("--warn-days must be from 0 to 3650") }
        guard (1...1024).contains(jobs) else { throw ValidationError("--jobs must be from 1 to 1024") }
        guard (1...1000).contains(mxLimit) else { throw ValidationError("--mx-limit must be from 1 to 1000") }
        if targets.isEmpty && domainsFrom == nil {
            throw ValidationError("name at least one domain (or a YAML description, or --domains-from FILE)")
        }
        if output != nil && (format == .text || format == .jsonl) {
            throw ValidationError(
                "--output writes a whole report: use it with --format json, tlsrpt or prometheus (text and jsonl stream to standard output)"
            )
        }
        if expectNoChanges && !targets.contains(where: VerifyRequest.isDescription) {
            throw ValidationError("--expect-no-changes compares with a description: give a YAML file")
        }
    }

    func run() throws {
        let printer = DiagnosticPrinter()
        try requireReadableCAFile(caFile, printer)
        let request = try runReporting(printer) { () throws(DiagnosticError) in try self.request() }
        let started = Date()
        // Text and JSON Lines stream: each domain is printed as soon as it is known.
        let stream = StreamedVerify(
            format: nagios ? nil : format, quiet: quiet, total: request.targets.count,
            colour: DiagnosticPrinter.colourAllowed(STDOUT_FILENO))
        let heartbeat = Heartbeat(stream)
        let relay: (@Sendable (DomainReport) -> Void)? = stream.isStreaming ? { @Sendable in stream.print($0) } : nil
        let reports = try runReporting(printer, mapStatus: couldNotRun) { () throws(DiagnosticError) in
            try VerifyRun.run(request, world: .live, finished: relay)
        }
        withExtendedLifetime(heartbeat) {}
        stream.endProgress()
        let (status, unkept) = (
            VerifyRun.status(reports, expectNoChanges: expectNoChanges), history.record(reports, at: started, printer)
        )
        if nagios { return try writeNagios(reports, printer) }
        try requireStreamWritten(stream, printer)
        try writeDocument(reports, status: status, port: request.options.port, started: started, printer)
        if let failed = status == .success ? unkept : status { throw failed.exit }
    }

    /// The whole-run document (JSON, Prometheus, TLS-RPT, or text's closing summary).
    private func writeDocument(
        _ reports: [DomainReport], status: ExitStatus, port: UInt16, started: Date, _ printer: DiagnosticPrinter
    ) throws {
        var settings = VerifyDocument.Settings(started: started, now: Date())
        (settings.quiet, settings.organization, settings.contact) = (quiet, organization, contact)
        let runWarning = VerifyRun.runWarning(reports, port: port)
        try writeOutput(
            VerifyDocument.render(reports, as: format, status: status, runWarning: runWarning, settings), to: output,
            printer)
    }

    private func request() throws(DiagnosticError) -> VerifyRequest {
        var request = VerifyRequest(targets: targets + (try domainsFrom.map(DomainList.read) ?? []))
        (request.resolver, request.trustAnchor) = (dns.resolver, trustAnchor)
        (request.options.profile, request.options.timeout, request.options.warnDays) = (profile, dns.timeout, warnDays)
        (request.options.dnsOnly, request.options.caFile, request.options.jobs) = (dnsOnly, caFile, jobs)
        (request.options.mxLimit, request.options.allServers) = (mxLimit, allServers)
        return request
    }

    /// When verify could not run, monitoring must still hear why: Nagios gets its UNKNOWN line
    /// (3), Prometheus a file saying the run failed; everyone else the error's own status.
    private func couldNotRun(_ error: DiagnosticError) -> Int32 {
        if nagios {
            _ = writeAllToStandardOutput(
                VerifyNagios.unknown(error.diagnostics.first?.message ?? "verify could not run"))
            return 3
        }
        if format == .prometheus, let output {
            try? AtomicFiles.write(VerifyPrometheus.failedRun(now: Date()), to: output)
        }
        return ExitStatus(stoppedBy: error).rawValue
    }

    private func writeNagios(_ reports: [DomainReport], _ printer: DiagnosticPrinter) throws {
        let (text, code) = VerifyNagios.render(reports)
        try writeStandardOutput(text, printer)
        throw ExitCode(code)
    }

    /// A reader that closed the pipe (`| head`) has what it wanted: no message, but exit 73.
    private func requireStreamWritten(_ stream: StreamedVerify, _ printer: DiagnosticPrinter) throws {
        guard stream.failedToWrite else { return }
        if stream.writeError != EPIPE {
            printer.print(.error(.cannotCreate("output-stdout"), "cannot write to standard output"))
        }
        throw ExitStatus.cannotCreate.exit
    }
}

extension SenderProfile: ExpressibleByArgument {}
extension VerifyFormat: ExpressibleByArgument {}
