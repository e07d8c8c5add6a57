import ArgumentParser
import DaneFeatures
import DaneModel
import DaneOutput
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

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, tlsrpt }

    @Argument(help: ArgumentHelp("Domains to check, or a danectl YAML description.", valueName: "DOMAIN|FILE"))
    var targets: [String]

    @OptionGroup var dns: ResolverOptions

    @Option(help: ArgumentHelp("Validate DNSSEC here from this trust anchor (DS or DNSKEY records) instead of trusting the resolver's AD bit; then --resolver need not validate.", valueName: "FILE"))
    var trustAnchor: String?

    @Option(help: "Whose rules: rfc7672 (Postfix; DANE-EE ignores dates) or exchange-online (expired certificates fail).")
    var profile: SenderProfile = .rfc7672

    @Option(help: "Output: text, json, or tlsrpt (an RFC 8460 report, as a sending MTA would send it).")
    var format: Format = .text

    @Option(help: ArgumentHelp("Trusted CA certificates (PEM) for the MTA-STS checks (policy host and MX certificates under WebPKI), instead of the system's.", valueName: "FILE"))
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

    @Option(help: ArgumentHelp("Warn about certificates and signatures that expire within this many days.", valueName: "DAYS"))
    var warnDays: Int = 14

    func validate() throws {
        guard (0...3650).contains(warnDays) else { throw ValidationError("--warn-days must be from 0 to 3650") }
        if targets.isEmpty { throw ValidationError("name at least one domain (or a YAML description)") }
        if expectNoChanges && !targets.contains(where: { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }) {
            throw ValidationError("--expect-no-changes compares with a description: give a YAML file")
        }
    }

    func run() throws {
        let printer = DiagnosticPrinter()
        var request = VerifyRequest(targets: targets)
        request.resolver = dns.resolver
        request.trustAnchor = trustAnchor
        request.options.profile = profile
        request.options.timeout = dns.timeout
        request.options.warnDays = warnDays
        request.options.dnsOnly = dnsOnly
        request.options.caFile = caFile
        let nagios = self.nagios
        let reports = try runReporting(printer, mapStatus: { nagios ? 3 : $0.rawValue }) { () throws(DiagnosticError) in try VerifyRun.run(request) }
        let status = VerifyRun.status(reports, expectNoChanges: expectNoChanges)
        if nagios {
            let (line, code) = VerifyNagios.render(reports)
            try writeStandardOutput(line, printer)
            throw ExitCode(code)
        }
        let text: String = switch format {
        case .text: VerifyText(colour: DiagnosticPrinter.colourAllowed(STDOUT_FILENO)).render(reports)
        case .json: VerifyJSON.render(reports, exitStatus: status.rawValue)
        case .tlsrpt: TLSRPTReport.render(reports, now: Date(), organization: organization, contact: contact)
        }
        try writeStandardOutput(text, printer)
        if status != .success { throw status.exit }
    }
}

extension SenderProfile: ExpressibleByArgument {}
