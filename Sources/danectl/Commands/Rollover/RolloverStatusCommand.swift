import ArgumentParser
import DaneFeatures
import DaneModel
import FoundationEssentials

struct RolloverStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the deployments waiting for the gate: which host, since when, and when it will be safe.",
        discussion: """
            A deploy the gate said "not yet" to (a certbot or lego hook that ran early) is kept \
            in FILE.pending.json until `rollover deploy FILE --pending` installs it. This lists \
            them; `rollover check FILE` says what the gate thinks right now.

            \(ExitStatus.helpLines([(.success, "listed (nothing pending, or the pending ones)")]))
            """)

    @Argument(help: ArgumentHelp("The YAML domain description.", valueName: "FILE"), completion: .file()) var file:
        String

    func run() throws {
        let printer = DiagnosticPrinter()
        let pending: [PendingDeployment]
        do { pending = try PendingDeployments.load(file) } catch {
            printer.print(.error(.badData("rollover-pending-unreadable"), error.description))
            throw ExitStatus.badData.exit
        }
        let now = Date()
        let lines = pending.map { entry in
            let safe =
                entry.earliestSafe.map {
                    $0 <= now
                        ? "safe since \(RFC3339.string($0)) (the next --pending run installs it)"
                        : "safe from \(RFC3339.string($0))"
                }
                ?? "not known yet"
            return
                "\(entry.host)  PENDING since \(RFC3339.string(entry.since)), \(entry.attempts) attempt(s); \(safe)\n  from \(entry.source)\n"
        }
        try writeStandardOutput(lines.isEmpty ? "nothing pending for \(file)\n" : lines.joined(), printer)
    }
}
