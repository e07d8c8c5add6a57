import DaneModel
import Dispatch
import FileKit
import FoundationEssentials
import Glibc
import ThreadKit

/// The ways `verify` can write its results.
public enum VerifyFormat: String, Sendable, CaseIterable { case text, json, jsonl, tlsrpt, prometheus }

/// Prints each domain's result as `verify` finishes it (text blocks or JSON Lines), and on a
/// terminal a progress line on standard error for long runs.
/// Unchecked Sendable: `print` is called from one worker thread at a time (verify hands out
/// reports one by one); the count the heartbeat reads from another thread is under `lock`.
public final class StreamedVerify: @unchecked Sendable {
    public let format: VerifyFormat?
    public let quiet: Bool
    public let total: Int
    let text: VerifyText
    public private(set) var failedToWrite = false
    public private(set) var writeError: Int32 = 0
    /// Domains finished so far (the heartbeat reads it).
    public var finished: Int { lock.withLock { done } }
    private let lock = Lock()
    private var done = 0
    private var lastProgress: ContinuousClock.Instant?
    private let progress: Bool

    public init(format: VerifyFormat?, quiet: Bool, total: Int, colour: Bool) {
        self.format = format
        self.quiet = quiet
        self.total = total
        text = VerifyText(colour: colour)
        progress = isatty(STDERR_FILENO) == 1 && total > 20
    }

    public var isStreaming: Bool { format == .text || format == .jsonl || progress }

    public func print(_ report: DomainReport) {
        lock.withLock { done += 1 }
        let shown = !quiet || report.outcome != .pass
        var out: String?
        if shown && format == .text { out = text.render([report]) + "\n" }
        if shown && format == .jsonl { out = VerifyJSON.line(report) }
        if let out, !failedToWrite {
            if progress { Descriptors.writeStandardError("\r\u{1B}[K") }
            failedToWrite = !Descriptors.writeAll(out, to: STDOUT_FILENO)
            if failedToWrite { writeError = errno }
        }
        if progress, lastProgress.map({ ContinuousClock.now - $0 > .milliseconds(200) }) ?? true || done == total {
            lastProgress = ContinuousClock.now
            Descriptors.writeStandardError("\rverify: \(done)/\(total) domains")
        }
    }

    public func endProgress() {
        if progress { Descriptors.writeStandardError("\r\u{1B}[K") }
    }
}

/// Off a terminal (cron, a pipeline), a long run says every 10 s on standard error that it is
/// alive and how far it got; on a terminal the progress line does that.
/// Unchecked Sendable: the timer is set once in init and only cancelled in deinit.
public final class Heartbeat: @unchecked Sendable {
    private let timer: DispatchSourceTimer?

    public init(_ stream: StreamedVerify) {
        guard isatty(STDERR_FILENO) != 1 else { timer = nil; return }
        let timer = DispatchSource.makeTimerSource(queue: .global())
        let started = ContinuousClock.now
        timer.schedule(deadline: .now() + 10, repeating: 10)
        timer.setEventHandler {
            Descriptors.writeStandardError(
                "verify: \(stream.finished)/\(stream.total) domains after \((ContinuousClock.now - started).components.seconds) s\n"
            )
        }
        timer.resume()
        self.timer = timer
    }

    deinit { timer?.cancel() }
}
