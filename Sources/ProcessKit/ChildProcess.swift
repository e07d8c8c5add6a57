#if canImport(Glibc)
    import Glibc
#endif

/// Programs danectl starts itself (the operator's `--reload` command): spawned with
/// posix_spawn, sharing danectl's standard streams and environment, waited for with a limit.
public enum ChildProcess {
    /// How a run ended.
    public enum Outcome: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
        /// Still running at the limit: it was sent SIGTERM, and SIGKILL 5 s later if needed.
        case timedOut
        /// It could not be started; the C library's words for why.
        case cannotStart(String)
    }

    /// Runs `/bin/sh -c command` for at most `timeout` seconds.
    public static func shell(_ command: String, timeout: Double) -> Outcome {
        var pid = pid_t()
        let arguments: [UnsafeMutablePointer<CChar>?] =
            ["/bin/sh", "-c", command].map { (text: String) in strdup(text) } + [nil]
        defer { arguments.forEach { free($0) } }
        let status = posix_spawn(&pid, "/bin/sh", nil, nil, arguments, environ)
        guard status == 0 else { return .cannotStart(String(cString: strerror(status))) }
        if let ended = wait(pid, seconds: timeout) { return ended }
        kill(pid, SIGTERM)
        if let ended = wait(pid, seconds: 5) {
            _ = ended
        } else {
            kill(pid, SIGKILL)
            _ = wait(pid, seconds: 5)
        }
        return .timedOut
    }

    /// The outcome once `pid` ends within `seconds`, else nil (it is still running).
    private static func wait(_ pid: pid_t, seconds: Double) -> Outcome? {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let deadline = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 + seconds
        var pause = 1_000  // microseconds, doubling to 50 ms: a quick command is seen ending quickly
        while true {
            var status: Int32 = 0
            let ended = waitpid(pid, &status, WNOHANG)
            if ended == pid {
                // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift cannot import as macros.
                let signal = status & 0x7f
                return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
            }
            if ended == -1 && errno != EINTR { return .exited(-1) }
            clock_gettime(CLOCK_MONOTONIC, &now)
            if Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 >= deadline { return nil }
            usleep(useconds_t(pause))
            pause = min(pause * 2, 50_000)
        }
    }
}
