import ProcessKit

/// The operator's `--reload` command (e.g. `postfix reload`), run with `/bin/sh -c` for at
/// most a given time: a reload that hangs is stopped and counts as failed, so deploy puts the
/// previous files back instead of leaving new ones installed unconfirmed.
public enum ReloadCommand {
    /// nil on success, else what went wrong.
    public static func run(_ command: String, timeout: Double) -> String? {
        switch ChildProcess.shell(command, timeout: timeout) {
        case .exited(0): nil
        case .exited(let status): "`\(command)` exited \(status)"
        case .signalled(let signal): "`\(command)` was ended by signal \(signal)"
        case .timedOut: "`\(command)` did not finish within \(Int(timeout)) s and was stopped"
        case .cannotStart(let reason): "cannot run /bin/sh: \(reason.lowercased())"
        }
    }
}
