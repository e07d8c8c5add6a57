import Foundation

/// The operator's `--reload` command (e.g. `postfix reload`), run with `/bin/sh -c` for at
/// most a given time: a reload that hangs is stopped and counts as failed, so deploy puts the
/// previous files back instead of leaving new ones installed unconfirmed.
public enum ReloadCommand {
    /// nil on success, else what went wrong.
    public static func run(_ command: String, timeout: TimeInterval) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        do { try process.run() } catch { return "cannot run /bin/sh: \(error.localizedDescription)" }
        if done.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            if done.wait(timeout: .now() + 5) == .timedOut { kill(process.processIdentifier, SIGKILL) }
            return "`\(command)` did not finish within \(Int(timeout)) s and was stopped"
        }
        return process.terminationStatus == 0 ? nil : "`\(command)` exited \(process.terminationStatus)"
    }
}
