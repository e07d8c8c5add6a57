import ArgumentParser
import DaneFeatures
import FoundationEssentials

struct RolloverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollover",
        abstract: "Plan and gate certificate renewals so that DANE never breaks (publish next, wait, deploy).",
        subcommands: [
            RolloverPlanCommand.self, RolloverCheckCommand.self, RolloverPrepareCommand.self,
            RolloverDeployCommand.self, RolloverStatusCommand.self,
        ])
}

/// The options `plan` and `check` share.
struct RolloverOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The YAML domain description.", valueName: "FILE"), completion: .file()) var file:
        String
    @Option(
        name: .customLong("host"),
        help: ArgumentHelp(
            "Only this MX host (repeatable); a host the description lacks is a usage error.", valueName: "HOST"))
    var hosts: [String] = []
    @Option(
        help: ArgumentHelp(
            "Where first-seen times are kept (default FILE.rollover.json). Keep it on persistent storage.",
            valueName: "PATH"), completion: .file())
    var state: String?
    @Option(
        help: ArgumentHelp(
            "Seconds your signing and publishing pipeline needs to put a change live; added to the wait.",
            valueName: "SECONDS"))
    var publishDelay: Int = 0

    /// The request `plan` and `check` hand to RolloverRun.
    func request(resolver: String?, timeout: Double? = nil, now: Date?) -> RolloverRequest {
        var request = RolloverRequest(file: file)
        (request.hosts, request.resolver, request.statePath) = (hosts, resolver, state)
        (request.publishDelay, request.now) = (TimeInterval(publishDelay), now)
        if let timeout { request.timeout = timeout }
        return request
    }

    func validate() throws {
        guard (0...31_536_000).contains(publishDelay) else {
            throw ValidationError("--publish-delay must be from 0 to 31536000 seconds")
        }
    }
}
