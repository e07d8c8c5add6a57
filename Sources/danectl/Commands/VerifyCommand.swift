import ArgumentParser
import DaneFeatures
import DaneModel
import DaneOutput
import DaneSpec
import Foundation
import LDNSKit

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

            EXIT STATUS (the worst over all domains)
              0   every MX host of every domain authenticates by DANE
              1   DANE fails somewhere: senders will defer or bounce mail to that host
              2   DNS or DNSSEC problem (bogus signatures, broken delegation, lookups failing)
              3   mail flows, but DANE is not in force (unsigned zone, no usable TLSA record)
              64  bad command-line usage
              69  could not run (resolver unreachable)
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
        if timeout <= 0 || timeout > 600 { throw ValidationError("--timeout must be between 0 and 600 seconds") }
        if targets.isEmpty { throw ValidationError("name at least one domain (or a YAML description)") }
    }

    func run() throws {
        let printer = DiagnosticPrinter()
        let stub: StubResolver
        do {
            stub = try StubResolver(address: resolver, timeout: min(5, timeout))
        } catch {
            printer.error(error.description)
            throw ExitCode(69)
        }
        var validator: AnchoredValidator?
        if let trustAnchor {
            do { validator = try AnchoredValidator(address: resolver, anchorFile: trustAnchor, timeout: min(5, timeout)) } catch {
                printer.error(error.description)
                throw ExitStatus.badInput
            }
        }
        // Refuse to report on "everything failed" when the resolver itself is not there.
        if (try? stub.query(".", "SOA")) == nil {
            printer.error("the resolver \(stub.address) does not answer; check --resolver (verify needs a validating resolver)")
            throw ExitCode(69)
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
                    throw ExitStatus.badInput
                }
            } else {
                guard (try? DNSName(hostName: target)) != nil else {
                    printer.error("\"\(target)\" is not a domain name")
                    throw ExitStatus.badInput
                }
                domains.append(target)
            }
        }
        var options = Verifier.Options()
        options.profile = profile
        options.timeout = timeout
        options.warnDays = warnDays
        let lookup = SecureLookup(resolver: stub, validator: validator)
        let verifier = Verifier(lookup: lookup, options: options)
        var reports = verifier.verify(domains: domains)
        if let description {
            do {
                let generated = try Generator().generate(description)
                drift = DriftCheck(lookup: lookup).compare(generated.records)
            } catch {
                printer.print(error.diagnostics)
                throw ExitStatus.badInput
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
