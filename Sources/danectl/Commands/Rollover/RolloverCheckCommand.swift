import ArgumentParser
import DaneFeatures
import DaneModel
import DaneOutput
import Foundation

struct RolloverCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "The pre-renewal gate: exit 0 only when deploying the next key is safe now.",
        discussion: """
            Safe means: the next key's hash is published at _<port>._tcp.<host>, DNSSEC-secure at \
            the validating resolver and served by every authoritative server of the zone (each NS \
            asked directly, SOA serials equal), for at least 2 x the TLSA TTL (or negative TTL + \
            TTL); and the current key still matches what every MX address serves. "For long \
            enough" is measured from the first real-time check that saw the hash everywhere, \
            recorded in --state (default FILE.rollover.json): run check early and often, e.g. from \
            cron, and the gate opens on time. A hash seen missing anywhere starts from zero again.

            With --after (post-deploy): the key every MX address serves now must match a TLSA \
            record that senders can see (secure at the resolver, on every authoritative server) \
            and that was published long enough before the key went live.

            With --now, the check is a rehearsal: it records no evidence, so without earlier real \
            checks it can only say "wait". Anything that could not be checked is not safe.

            \(ExitStatus.helpLines([(.success, "safe"), (.verdictFailure, "unsafe, or refused (no next key for a checked host)"),
                                    (.verdictDNSProblem, "DNS problem (bogus or failing lookups)"),
                                    (.tryLater, "not yet: everything is in place, caches may still hold the old set (earliest safe time printed)")]))
            With --nagios: 0 OK, 1 WARNING (wait), 2 CRITICAL (unsafe, refused, DNS problem), \
            3 UNKNOWN (could not run, bad input).
            """)

    @OptionGroup var rollover: RolloverOptions
    @Flag(help: "Post-deploy check: the key served now is one senders can authenticate.") var after = false
    @OptionGroup var dns: ResolverOptions
    @OptionGroup var clock: ClockOptions
    @Option(help: "text or json") var format: OutputChoice = .text
    @Flag(help: "Nagios plugin exit codes and a one-line status with perfdata.") var nagios = false

    func run() throws {
        let printer = DiagnosticPrinter()
        let (request, nagios) = (self.request, self.nagios)
        let outcome = try runReporting(printer, mapStatus: { nagios ? 3 : ExitStatus(stoppedBy: $0).rawValue }) {
            () throws(DiagnosticError) in
            try RolloverRun.check(request, after: after, world: .live)
        }
        printer.print(outcome.warnings)
        if let problem = outcome.evidenceToWrite?.write() { printer.print(problem) }
        let worst = outcome.worst
        let status = worst.exitStatus
        if nagios {
            try writeStandardOutput(
                RolloverRendering.nagios(outcome.results, worst: worst, now: request.now ?? Date()), printer)
            throw ExitCode(RolloverRendering.nagiosStatus(worst))
        }
        try writeStandardOutput(
            format == .json
                ? RolloverRendering.checkJSON(outcome.results, worst: worst, exitStatus: status.rawValue)
                : RolloverRendering.checkText(outcome.results), printer)
        if status != .success { throw status.exit }
    }

    private var request: RolloverRequest {
        var request = RolloverRequest(file: rollover.file)
        (request.hosts, request.resolver, request.statePath, request.timeout) = (
            rollover.hosts, dns.resolver, rollover.state, dns.timeout
        )
        (request.publishDelay, request.now) = (TimeInterval(rollover.publishDelay), clock.date)
        return request
    }
}
