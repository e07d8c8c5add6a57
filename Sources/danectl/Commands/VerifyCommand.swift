import ArgumentParser
import DaneFeatures
import DaneModel
import DaneOutput
import FileKit
import Foundation

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

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, jsonl, tlsrpt, prometheus }

    @Argument(help: ArgumentHelp("Domains to check, or a danectl YAML description.", valueName: "DOMAIN|FILE"), completion: .file())
    var targets: [String] = []

    @Option(help: ArgumentHelp("Also check the domains listed in FILE, one a line (# starts a comment); \"-\" reads standard input.", valueName: "FILE"), completion: .file())
    var domainsFrom: String?

    @OptionGroup var dns: ResolverOptions

    @Option(help: ArgumentHelp("Validate DNSSEC here from this trust anchor (DS or DNSKEY records) instead of trusting the resolver's AD bit; then --resolver need not validate.", valueName: "FILE"), completion: .file())
    var trustAnchor: String?

    @Option(help: "Whose rules: rfc7672 (Postfix; DANE-EE ignores dates) or exchange-online (expired certificates fail).")
    var profile: SenderProfile = .rfc7672

    @Option(help: "Output: text, json, jsonl (one JSON object per domain as soon as it is known, then a summary), tlsrpt (an RFC 8460 report, as a sending MTA would send it), or prometheus (node_exporter textfile).")
    var format: Format = .text

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the report to this file, replaced atomically (for node_exporter's textfile directory), instead of standard output.", valueName: "FILE"), completion: .file())
    var output: String?

    @Flag(help: "Print only the domains that do not pass, and the summary line.")
    var quiet = false

    @Option(help: ArgumentHelp("Domains checked at once (each also probes its MX addresses side by side).", valueName: "N"))
    var jobs: Int = 16

    @Option(help: ArgumentHelp("Trusted CA certificates (PEM) for the MTA-STS checks (policy host and MX certificates under WebPKI), instead of the system's.", valueName: "FILE"), completion: .file())
    var caFile: String?

    @Flag(help: "Check DNS and DNSSEC only, without SMTP (for machines whose outbound port 25 is blocked): no certificate is checked.")
    var dnsOnly = false

    @Option(help: ArgumentHelp("With --format tlsrpt: the report's organization-name.", valueName: "NAME"))
    var organization = "danectl"

    @Option(help: ArgumentHelp("With --format tlsrpt: the report's contact-info (an address or URI).", valueName: "CONTACT"))
    var contact = "danectl verify"

    @Flag(help: "With a YAML description: exit 1 when live records differ from it (drift), even if DANE passes.")
    var expectNoChanges = false

    @Flag(help: "Nagios plugin: one status line with perfdata; 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.")
    var nagios = false

    @Option(help: ArgumentHelp("Warn about certificates and signatures that expire within this many days (below sign's 14-day validity, so a freshly signed zone is quiet).", valueName: "DAYS"))
    var warnDays: Int = 7

    @Option(help: ArgumentHelp("MX hosts checked per domain, by preference (senders stop after a few).", valueName: "N"))
    var mxLimit: Int = 10

    @Flag(help: "Also ask every authoritative server of each zone for the MX, address and TLSA records: name a server that serves other data, an older serial, or signatures expiring sooner (a stale secondary).")
    var allServers = false

    func validate() throws {
        guard (0...3650).contains(warnDays) else { throw ValidationError("--warn-days must be from 0 to 3650") }
        guard (1...1024).contains(jobs) else { throw ValidationError("--jobs must be from 1 to 1024") }
        guard (1...1000).contains(mxLimit) else { throw ValidationError("--mx-limit must be from 1 to 1000") }
        if targets.isEmpty && domainsFrom == nil { throw ValidationError("name at least one domain (or a YAML description, or --domains-from FILE)") }
        if output != nil && (format == .text || format == .jsonl) {
            throw ValidationError("--output writes a whole report: use it with --format json, tlsrpt or prometheus (text and jsonl stream to standard output)")
        }
        if expectNoChanges && !targets.contains(where: VerifyRequest.isDescription) {
            throw ValidationError("--expect-no-changes compares with a description: give a YAML file")
        }
    }

    func run() throws {
        let printer = DiagnosticPrinter()
        var request = VerifyRequest(targets: targets + (try listedDomains(printer)))
        request.resolver = dns.resolver
        request.trustAnchor = trustAnchor
        request.options.profile = profile
        request.options.timeout = dns.timeout
        request.options.warnDays = warnDays
        request.options.dnsOnly = dnsOnly
        request.options.caFile = caFile
        try requireReadableCAFile(caFile, printer)
        request.options.jobs = jobs
        request.options.mxLimit = mxLimit
        request.options.allServers = allServers
        let nagios = self.nagios
        let started = Date()
        // Text and JSON Lines stream: each domain is printed as soon as it is known.
        let stream = StreamedVerify(format: nagios ? nil : format, quiet: quiet, total: request.targets.count,
                                    colour: DiagnosticPrinter.colourAllowed(STDOUT_FILENO))
        let heartbeat = Heartbeat(stream)
        var finished: (@Sendable (DomainReport) -> Void)?
        if stream.isStreaming { finished = { @Sendable (report: DomainReport) in stream.print(report) } }
        let relay = finished
        let reports: [DomainReport]
        do {
            reports = try VerifyRun.run(request, world: .live, finished: relay)
        } catch {
            printer.print(error.diagnostics)
            // Monitoring must hear why: Nagios gets its UNKNOWN line, Prometheus a failed run.
            if nagios {
                _ = writeAllToStandardOutput(VerifyNagios.unknown(error.diagnostics.first?.message ?? "verify could not run"))
                throw ExitCode(3)
            }
            if format == .prometheus, let output {
                try? AtomicFiles.write(VerifyPrometheus.failedRun(now: Date()), to: output)
            }
            throw ExitCode(ExitStatus(stoppedBy: error).rawValue)
        }
        withExtendedLifetime(heartbeat) {}
        stream.endProgress()
        let status = VerifyRun.status(reports, expectNoChanges: expectNoChanges)
        if nagios {
            let (text, code) = VerifyNagios.render(reports)
            try writeStandardOutput(text, printer)
            throw ExitCode(code)
        }
        if stream.failedToWrite {
            // A reader that closed the pipe (`| head`) has what it wanted: no message.
            if stream.writeError != EPIPE { printer.print(.error(.cannotCreate("output-stdout"), "cannot write to standard output")) }
            throw ExitStatus.cannotCreate.exit
        }
        let runWarning = VerifyRun.runWarning(reports, port: request.options.port)
        let text: String = switch format {
        case .text: (runWarning.map { "warning: \($0)\n" } ?? "") + VerifySummary.line(reports, status: status.rawValue, always: quiet || reports.count > 1)
        case .jsonl: VerifyJSON.summaryLine(reports, exitStatus: status.rawValue, warnings: runWarning.map { [$0] } ?? [])
        case .json: VerifyJSON.render(quiet ? reports.filter { $0.outcome != .pass } : reports, exitStatus: status.rawValue)
        case .tlsrpt: TLSRPTReport.render(reports, started: started, now: Date(), organization: organization, contact: contact)
        case .prometheus: VerifyPrometheus.render(reports, now: Date())
        }
        try writeOutput(text, to: output, printer)
        if status != .success { throw status.exit }
    }
}

/// Prints each domain's result as `verify` finishes it (text blocks or JSON Lines), and on a
/// terminal a progress line on standard error for long runs. Called from one thread at a time.
final class StreamedVerify: @unchecked Sendable {
    let format: VerifyCommand.Format?
    let quiet: Bool
    let total: Int
    let text: VerifyText
    private(set) var failedToWrite = false
    private(set) var writeError: Int32 = 0
    /// Domains finished so far (the heartbeat reads it).
    var finished: Int { lock.withLock { done } }
    private let lock = NSLock()
    private var done = 0
    private var lastProgress = Date.distantPast
    private let progress: Bool

    init(format: VerifyCommand.Format?, quiet: Bool, total: Int, colour: Bool) {
        self.format = format
        self.quiet = quiet
        self.total = total
        text = VerifyText(colour: colour)
        progress = isatty(STDERR_FILENO) == 1 && total > 20
    }

    var isStreaming: Bool { format == .text || format == .jsonl || progress }

    func print(_ report: DomainReport) {
        lock.withLock { done += 1 }
        let shown = !quiet || report.outcome != .pass
        var out: String?
        if shown && format == .text { out = text.render([report]) + "\n" }
        if shown && format == .jsonl { out = VerifyJSON.line(report) }
        if let out, !failedToWrite {
            if progress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            failedToWrite = !writeAllToStandardOutput(out)
            if failedToWrite { writeError = errno }
        }
        if progress, Date().timeIntervalSince(lastProgress) > 0.2 || done == total {
            lastProgress = Date()
            FileHandle.standardError.write(Data("\rverify: \(done)/\(total) domains".utf8))
        }
    }

    func endProgress() {
        if progress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

extension SenderProfile: ExpressibleByArgument {}

/// Off a terminal (cron, a pipeline), a long run says every 10 s on standard error that it is
/// alive and how far it got; on a terminal the progress line does that.
final class Heartbeat: @unchecked Sendable {
    private let timer: DispatchSourceTimer?

    init(_ stream: StreamedVerify) {
        guard isatty(STDERR_FILENO) != 1 else { timer = nil; return }
        let timer = DispatchSource.makeTimerSource(queue: .global())
        let started = Date()
        timer.schedule(deadline: .now() + 10, repeating: 10)
        timer.setEventHandler {
            FileHandle.standardError.write(Data("verify: \(stream.finished)/\(stream.total) domains after \(Int(Date().timeIntervalSince(started))) s\n".utf8))
        }
        timer.resume()
        self.timer = timer
    }

    deinit { timer?.cancel() }
}

extension VerifyCommand {
    /// The domains of --domains-from: one a line, blank lines and # comments skipped.
    func listedDomains(_ printer: DiagnosticPrinter) throws -> [String] {
        guard let domainsFrom else { return [] }
        let data: Data
        if domainsFrom == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            do { data = try RegularFiles.read(domainsFrom, limit: 256 << 20, followLinks: true) } catch {
                printer.print(.error(.noInput("usage-domains-unreadable"), error.description))
                throw ExitStatus.noInput.exit
            }
        }
        var domains: [String] = []
        for (number, raw) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = (raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "").trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            guard (try? DNSName(hostName: line)) != nil else {
                printer.print(.error(.usage("usage-domain-name"), "\"\(TerminalText.visible(line, limit: 80))\" is not a domain name",
                                     at: SourceLocation(file: domainsFrom == "-" ? "standard input" : domainsFrom, line: number + 1)))
                throw ExitStatus.usage.exit
            }
            domains.append(line)
        }
        return domains
    }
}
