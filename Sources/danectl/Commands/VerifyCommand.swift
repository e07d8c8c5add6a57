import ArgumentParser
import DaneFeatures
import DaneModel
import DaneOutput
import DaneSpec
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
            domains and reports drift: live TLSA and TLS-RPT records that differ from what \
            `danectl generate` makes from that file.

            The verdict is the worst over all domains.
            \(ExitStatus.helpLines([(.success, "every MX host of every domain authenticates by DANE"),
                                    (.verdictFailure, "DANE fails somewhere: senders will defer or bounce mail to that host"),
                                    (.verdictDNSProblem, "DNS or DNSSEC problem (bogus signatures, broken delegation, lookups failing)"),
                                    (.verdictNotProtected, "mail flows, but DANE is not in force (unsigned zone, no usable TLSA record)")]))
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, tlsrpt }

    @Argument(help: ArgumentHelp("Domains to check, or a danectl YAML description.", valueName: "DOMAIN|FILE"))
    var targets: [String]

    @Option(help: ArgumentHelp("Validating resolver to ask (default: the system's, from /etc/resolv.conf).", valueName: "ADDR[:PORT]"))
    var resolver: String?

    @Option(help: ArgumentHelp("Validate DNSSEC here from this trust anchor (DS or DNSKEY records) instead of trusting the resolver's AD bit; then --resolver need not validate.", valueName: "FILE"))
    var trustAnchor: String?

    @Option(help: "Whose rules: rfc7672 (Postfix; DANE-EE ignores dates) or exchange-online (expired certificates fail).")
    var profile: SenderProfile = .rfc7672

    @Option(help: "Output: text, json, or tlsrpt (an RFC 8460 report, as a sending MTA would send it).")
    var format: Format = .text

    @Option(help: ArgumentHelp("Seconds allowed for each probe (connect, SMTP, TLS together).", valueName: "SECONDS"))
    var timeout: Double = 20

    @Option(help: ArgumentHelp("Warn about certificates and signatures that expire within this many days.", valueName: "DAYS"))
    var warnDays: Int = 14

    func validate() throws {
        try requireRange(timeout, 0.1...600, "--timeout")
        guard (0...3650).contains(warnDays) else { throw ValidationError("--warn-days must be from 0 to 3650") }
        if targets.isEmpty { throw ValidationError("name at least one domain (or a YAML description)") }
    }

    func run() throws {
        let printer = DiagnosticPrinter()
        let lookup = try runReporting(printer) { () throws(DiagnosticError) -> SecureLookup in
            let lookup = try SecureLookup(resolver: resolver, trustAnchor: trustAnchor, timeout: min(5, timeout))
            // Refuse to report on "everything failed" when the resolver itself is not there.
            guard lookup.resolverAnswers() else {
                throw DiagnosticError(.error("resolver-unreachable",
                    "the resolver \(lookup.resolverName) does not answer; check --resolver (verify needs a validating resolver)"))
            }
            return lookup
        }
        var domains: [String] = []
        var drift: [String: [String]] = [:]
        var description: DomainDescription?
        for target in targets {
            if target.hasSuffix(".yaml") || target.hasSuffix(".yml") {
                do {
                    let loaded = try DescriptionLoader.load(path: target)
                    description = loaded
                    domains += loaded.domains.map(\.name.fqdn)
                } catch {
                    printer.print(error.diagnostics)
                    throw ExitStatus(stoppedBy: error).exit
                }
            } else {
                guard (try? DNSName(hostName: target)) != nil else {
                    printer.print(.error("usage-domain-name", "\"\(target)\" is not a domain name"))
                    throw ExitStatus.usage.exit
                }
                domains.append(target)
            }
        }
        var options = Verifier.Options()
        options.profile = profile
        options.timeout = timeout
        options.warnDays = warnDays
        let verifier = Verifier(lookup: lookup, options: options)
        var reports = verifier.verify(domains: domains)
        if let description {
            do {
                let generated = try Generator().generate(description)
                drift = DriftCheck(lookup: lookup).compare(generated.records)
            } catch {
                printer.print(error.diagnostics)
                throw ExitStatus(stoppedBy: error).exit
            }
            reports = reports.map { report in
                let extra = drift[report.domain] ?? []
                return DomainReport(domain: report.domain, profile: report.profile, mxStatus: report.mxStatus, implicitMX: report.implicitMX,
                                    hosts: report.hosts, failure: report.failure, detail: report.detail, warnings: report.warnings + extra)
            }
        }
        let status = Self.exitStatus(reports)
        switch format {
        case .text:
            let colour = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
                && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            print(VerifyText(colour: colour).render(reports), terminator: "")
        case .json:
            print(VerifyJSON.render(reports, exitStatus: status), terminator: "")
        case .tlsrpt:
            print(TLSRPTReport.render(reports, now: Date()), terminator: "")
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// DNS problems first, then DANE failures, then "not protected".
    static func exitStatus(_ reports: [DomainReport]) -> Int32 {
        let outcomes = Set(reports.map(\.outcome))
        if outcomes.contains(.dnsProblem) { return 2 }
        if outcomes.contains(.daneFailure) { return 1 }
        if outcomes.contains(.notProtected) { return 3 }
        return 0
    }
}

extension SenderProfile: ExpressibleByArgument {}
