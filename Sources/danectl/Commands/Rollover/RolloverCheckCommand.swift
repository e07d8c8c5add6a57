import ArgumentParser
import DaneFeatures
import DaneModel
import DaneOutput
import FoundationEssentials

struct RolloverCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "The pre-renewal gate: exit 0 only when deploying the next key is safe now.",
        discussion: """
            Safe means: the next key's hash is published at _<port>._tcp.<host>, DNSSEC-secure at the validating \
            resolver and on every authoritative server (each NS asked, SOA serials equal), for at least 2 x the TLSA \
            TTL (or negative TTL + TTL), and the current key still matches what every MX address serves. The wait \
            counts from the first check (or publish) that saw the hash everywhere, kept in --state (default \
            FILE.rollover.json); a hash seen missing anywhere starts it again. Run check early and often (cron), and \
            the gate opens on time.

            With --after (post-deploy): the key each MX address serves must match a TLSA record senders can see, \
            published long enough before the key went live. With --now (a rehearsal) no evidence is recorded. \
            Anything that could not be checked is not safe.

            \(ExitStatus.helpLines([(.success, "safe"), (.verdictFailure, "unsafe, or refused (no next key for a checked host)"),
                                    (.verdictDNSProblem, "DNS problem (bogus or failing lookups)"),
                                    (.tryLater, "not yet: everything is in place, caches may still hold the old set (earliest safe time printed)")]))
            With --nagios: 0 OK, 1 WARNING (wait), 2 CRITICAL (unsafe, refused, DNS), 3 UNKNOWN (could not run, bad input).
            """)

    @OptionGroup var rollover: RolloverOptions
    @Flag(help: "Post-deploy check: the key served now is one senders can authenticate.") var after = false
    @OptionGroup var dns: ResolverOptions
    @OptionGroup var clock: ClockOptions
    @Option(help: "text or json") var format: OutputChoice = .text
    @Flag(help: "Nagios plugin exit codes and a one-line status with perfdata.") var nagios = false

    func run() throws {
        let printer = DiagnosticPrinter()
        let request = rollover.request(resolver: dns.resolver, timeout: dns.timeout, now: clock.date)
        let outcome = try runReporting(printer, mapStatus: { self.nagios ? 3 : ExitStatus(stoppedBy: $0).rawValue }) {
            () throws(DiagnosticError) in
            try RolloverRun.check(request, after: after, world: .live)
        }
        printer.print(outcome.warnings)
        if let problem = outcome.evidenceToWrite?.write() { printer.print(problem) }
        let style = RolloverRendering.CheckStyle(json: format == .json, nagiosAt: nagios ? request.now ?? Date() : nil)
        let printed = RolloverRendering.check(outcome.results, worst: outcome.worst, as: style)
        try writeStandardOutput(printed.text, printer)
        if printed.exitStatus != 0 { throw ExitCode(printed.exitStatus) }
    }
}
