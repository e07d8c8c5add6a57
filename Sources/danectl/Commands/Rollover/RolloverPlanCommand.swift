import ArgumentParser
import DaneFeatures
import DaneModel
import DaneOutput
import Foundation

struct RolloverPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print the rollover steps, with the earliest safe time of each, for hosts that have `next`.",
        discussion: """
            Steps per host: publish the current and next hashes; deploy the next certificate once \
            every resolver can have seen both (at least 2 x the TLSA TTL, longer when the zone's \
            negative TTL is, plus --publish-delay); verify; retire the old hash after caches of \
            the old set have expired. With --resolver, TTLs come from the live zone (and the plan \
            fails if the resolver cannot be asked). Publication times recorded by `rollover check` \
            in --state are used, so plan and check give the same earliest deploy time.

            \(ExitStatus.helpLines([(.success, "plan printed")]))
            """)

    @OptionGroup var rollover: RolloverOptions
    @Option(help: "text or json") var format: OutputChoice = .text
    @Option(help: ArgumentHelp("Read TLSA and SOA TTLs from the live zone through this resolver.", valueName: "ADDR[:PORT]")) var resolver: String?
    @OptionGroup var clock: ClockOptions

    func run() throws {
        let printer = DiagnosticPrinter()
        var request = RolloverRequest(file: rollover.file)
        request.hosts = rollover.hosts
        request.resolver = resolver
        request.statePath = rollover.state
        request.publishDelay = TimeInterval(rollover.publishDelay)
        request.now = clock.date
        let (steps, warnings) = try runReporting(printer) { () throws(DiagnosticError) in
            try RolloverRun.plan(request, live: resolver != nil, world: .live)
        }
        printer.print(warnings)
        try writeStandardOutput(format == .json ? RolloverRendering.planJSON(steps) : RolloverRendering.planText(steps), printer)
    }
}
