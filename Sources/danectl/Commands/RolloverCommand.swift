import ArgumentParser
import DaneFeatures
import DaneModel
import DaneOutput
import DaneSpec
import Foundation
import LDNSKit

struct RolloverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollover",
        abstract: "Plan and gate certificate renewals so that DANE never breaks (publish next, wait, deploy).",
        subcommands: [RolloverPlanCommand.self, RolloverCheckCommand.self])
}

struct RolloverPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print the rollover steps, with the earliest safe time of each, for hosts that have `next`.",
        discussion: """
            Steps per host: publish the current and next hashes; deploy the next certificate once \
            every resolver can have seen both (at least 2 x the TLSA TTL, longer when the zone's \
            negative TTL is, plus --publish-delay); verify; retire the old hash after caches of \
            the old set have expired. With --resolver, TTLs come from the live zone.

            EXIT STATUS
              0   plan printed
              1   bad input
            """)

    @Argument(help: ArgumentHelp("The YAML domain description.", valueName: "FILE")) var file: String
    @Option(help: "text or json") var format: OutputChoice = .text
    @Option(help: ArgumentHelp("Read TLSA and SOA TTLs from the live zone through this resolver.", valueName: "ADDR[:PORT]")) var resolver: String?
    @Option(help: ArgumentHelp("Seconds your signing and publishing pipeline needs to put a change live.", valueName: "SECONDS")) var publishDelay: Int = 0
    @Option(help: ArgumentHelp("Plan as if the time were TIME (RFC 3339).", valueName: "TIME")) var now: String?

    func run() throws {
        let printer = DiagnosticPrinter()
        let description: DomainDescription
        do { description = try DescriptionLoader.load(path: file) } catch {
            printer.print(error.diagnostics)
            throw ExitStatus.badInput
        }
        var lookup: SecureLookup?
        if let resolver {
            do { lookup = SecureLookup(resolver: try StubResolver(address: resolver)) } catch {
                printer.error(error.description)
                throw ExitCode(69)
            }
        }
        let steps = RolloverPlanner(now: try Clock.parse(now), publishDelay: TimeInterval(publishDelay)).plan(description) { host in
            guard let lookup else { return nil }
            let owner = TLSARecordData.ownerName(host: host.host, port: host.port).fqdn
            let ttl = RolloverChecker.originalTTL(lookup.lookup(owner, "TLSA").response)
            let zone = ZoneAssignment(description: description).zone(for: host.host, explicit: host.zone).zone.fqdn
            let soaAnswer = lookup.lookup(zone, "SOA").response
            let soa = soaAnswer?.records(ofType: "SOA").first
            let negative = soa.flatMap { UInt32($0.fields[6]) }.map { min($0, RolloverChecker.originalTTL(soaAnswer) ?? soa!.ttl) }
            return ttl.map { RolloverPlanner.LiveTimings(tlsaTTL: $0, negativeTTL: negative) }
        }
        if steps.isEmpty {
            printer.print(.warning("rollover.nothing", "no host in \(file) names a `next` certificate or key: nothing to plan"))
        }
        switch format {
        case .json:
            let rows: [[String: Any]] = steps.map {
                ["host": $0.host, "action": $0.action.rawValue, "earliest": ISO8601DateFormatter().string(from: $0.earliest),
                 "wait_seconds": $0.waitSeconds, "detail": $0.detail]
            }
            let data = try JSONSerialization.data(withJSONObject: ["steps": rows], options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        case .text:
            for (index, step) in steps.enumerated() {
                print("\(index + 1). \(step.host) \(step.action.rawValue) not before \(ISO8601DateFormatter().string(from: step.earliest))"
                      + (step.waitSeconds > 0 ? " (wait \(step.waitSeconds) s)" : ""))
                print("   \(step.detail)")
            }
        }
    }
}

enum OutputChoice: String, ExpressibleByArgument, CaseIterable { case text, json }

struct RolloverCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "The pre-renewal gate: exit 0 only when deploying the next key is safe now.",
        discussion: """
            Safe means: the next key's hash is published at _25._tcp.<host>, DNSSEC-secure at the \
            validating resolver and served by every authoritative server of the zone (each NS \
            asked directly, SOA serials equal), for at least 2 x the TLSA TTL; and the current key \
            still matches what every MX address serves. "For long enough" is measured from the \
            first check that saw the hash everywhere, recorded in --state (default FILE.rollover.json): \
            run check early and often, e.g. from cron, and the gate opens on time.

            With --after (post-deploy): the new key is live and matches on every MX address, and \
            the old hash may be retired from the time printed.

            EXIT STATUS
              0   safe
              1   not yet, or unsafe (the reason and the earliest safe time are printed)
              2   DNS problem (bogus or failing lookups)
              69  could not run (resolver unreachable)
            With --nagios: 0 OK, 1 WARNING (wait), 2 CRITICAL (unsafe or DNS problem), 3 UNKNOWN.
            """)

    @Argument(help: ArgumentHelp("The YAML domain description.", valueName: "FILE")) var file: String
    @Option(name: .customLong("host"), help: ArgumentHelp("Only this MX host (repeatable).", valueName: "HOST")) var hosts: [String] = []
    @Flag(help: "Post-deploy check: the new key is live everywhere.") var after = false
    @Option(help: ArgumentHelp("Validating resolver.", valueName: "ADDR[:PORT]")) var resolver: String?
    @Option(help: ArgumentHelp("Where first-seen times are kept.", valueName: "PATH")) var state: String?
    @Option(help: ArgumentHelp("Seconds allowed for each probe.", valueName: "SECONDS")) var timeout: Double = 20
    @Option(help: ArgumentHelp("Seconds your publishing pipeline needs; added to the wait.", valueName: "SECONDS")) var publishDelay: Int = 0
    @Option(help: ArgumentHelp("Check as if the time were TIME (RFC 3339).", valueName: "TIME")) var now: String?
    @Option(help: "text or json") var format: OutputChoice = .text
    @Flag(help: "Nagios plugin exit codes and a one-line status.") var nagios = false

    func run() throws {
        let printer = DiagnosticPrinter()
        let unknown = nagios ? ExitCode(3) : ExitCode(69)
        let description: DomainDescription
        do { description = try DescriptionLoader.load(path: file) } catch {
            printer.print(error.diagnostics)
            throw nagios ? ExitCode(3) : ExitStatus.badInput
        }
        let stub: StubResolver
        do { stub = try StubResolver(address: resolver, timeout: 5) } catch {
            printer.error(error.description)
            throw unknown
        }
        let statePath = state ?? file + ".rollover.json"
        var evidence: RolloverEvidence
        do { evidence = try RolloverEvidence.load(path: statePath) } catch {
            printer.error("\(statePath) is not a danectl rollover state file: \(error)")
            throw nagios ? ExitCode(3) : ExitStatus.badInput
        }
        var checker = RolloverChecker(lookup: SecureLookup(resolver: stub), now: try Clock.parse(now), timeout: timeout)
        checker.publishDelay = TimeInterval(publishDelay)
        let results: [RolloverChecker.HostResult]
        do {
            results = try checker.check(description, hosts: hosts.isEmpty ? nil : Set(hosts), after: after, evidence: &evidence)
        } catch {
            printer.print(error.diagnostics)
            throw nagios ? ExitCode(3) : ExitStatus.badInput
        }
        if !after {
            do { try AtomicFiles.write(evidence.encoded(), to: statePath) } catch {
                printer.error("cannot record first-seen times: \(error.description)")
            }
        }
        if results.isEmpty { printer.print(.warning("rollover.nothing", "no host in \(file) names a `next` certificate or key")) }

        let states = Set(results.map(\.state))
        let worst: RolloverChecker.HostResult.State =
            states.contains(.dnsProblem) ? .dnsProblem : states.contains(.unsafe) ? .unsafe : states.contains(.wait) ? .wait : .safe
        let iso = ISO8601DateFormatter()
        if nagios {
            let label = ["safe": "OK", "wait": "WARNING", "unsafe": "CRITICAL", "dns-problem": "CRITICAL"][worst.rawValue]!
            print("DANE ROLLOVER \(label) - " + results.map { "\($0.host) \($0.state.rawValue): \($0.reasons.first ?? "")" }.joined(separator: "; "))
        } else if format == .json {
            let rows: [[String: Any]] = results.map { r in
                var row: [String: Any] = ["host": r.host, "state": r.state.rawValue, "reasons": r.reasons, "next_records": r.nextRecords]
                row["earliest_safe"] = r.earliestSafe.map(iso.string(from:))
                return row
            }
            let data = try JSONSerialization.data(withJSONObject: ["hosts": rows, "safe": worst == .safe],
                                                  options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for r in results {
                print("\(r.host)  \(r.state.rawValue.uppercased())" + (r.earliestSafe.map { "  (earliest safe: \(iso.string(from: $0)))" } ?? ""))
                for reason in r.reasons { print("  \(reason)") }
            }
        }
        switch worst {
        case .safe: return
        case .wait: throw ExitCode(1)
        case .unsafe: throw nagios ? ExitCode(2) : ExitCode(1)
        case .dnsProblem: throw ExitCode(2)
        }
    }
}
