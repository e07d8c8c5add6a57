import ArgumentParser
import DaneFeatures
import DaneModel
import DaneOutput
import FoundationEssentials

struct RolloverPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print the rollover steps, with the earliest safe time of each, for hosts that have `next`.",
        discussion: """
            Steps per host: publish the current and next hashes; deploy the next certificate once \
            every resolver can have seen both (at least 2 x the TLSA TTL, longer when the zone's \
            negative TTL is, plus --publish-delay); verify; retire the old hash after caches of \
            the old set have expired. TTLs and the negative TTL come from the live zone, through \
            --resolver or the system's resolver as `rollover check` asks, and the plan fails (69) \
            if it cannot be asked; with --offline they come from the description (earlier than \
            check may allow when the zone's negative TTL is longer). Publication times recorded \
            by `rollover check` or `publish` in --state are used, so plan, check and deploy give \
            the same earliest deploy time.

            \(ExitStatus.helpLines([(.success, "plan printed")]))
            """)

    @OptionGroup var rollover: RolloverOptions
    @Option(help: "text or json") var format: OutputChoice = .text
    @Option(
        help: ArgumentHelp(
            "Read TLSA and SOA TTLs from the live zone through this resolver (default: the system's).",
            valueName: "ADDR[:PORT]")) var resolver: String?
    @Option(help: ArgumentHelp("Seconds to wait for each DNS answer, 0.1 to 600.", valueName: "SECONDS"))
    var timeout: Double = 20
    @Flag(help: "Plan from the description's TTLs without asking DNS (a draft: `rollover check` has the last word).")
    var offline = false

    @OptionGroup var clock: ClockOptions

    func validate() throws {
        guard !offline || resolver == nil else { throw ValidationError("--offline plans without DNS; drop --resolver") }
        try requireRange(timeout, 0.1...600, "--timeout")
    }

    func run() throws {
        let printer = DiagnosticPrinter()
        let request = rollover.request(resolver: resolver, timeout: timeout, now: clock.date)
        let (steps, warnings) = try runReporting(printer) { () throws(DiagnosticError) in
            try RolloverRun.plan(request, live: !offline, world: .live)
        }
        printer.print(warnings)
        try writeStandardOutput(
            format == .json ? RolloverRendering.planJSON(steps) : RolloverRendering.planText(steps), printer)
    }
}
