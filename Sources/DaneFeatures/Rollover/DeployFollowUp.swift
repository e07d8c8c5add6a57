import DaneModel
import FileKit
import FoundationEssentials

/// What a deploy leaves for the runs after it: the first-seen evidence it gathered; when the
/// gate said wait, a pending entry, so the timer finishes what a once-only ACME hook started;
/// and, once the host is installed or already current, nothing pending for it any more.
public enum DeployFollowUp {
    /// Messages for the report, and the problems met (warnings, or an error whose entry could not be recorded).
    public struct Result: Sendable {
        public var messages: [String] = []
        public var problems: [Diagnostic] = []
    }

    public static func record(_ outcome: DeployOutcome, request: DeployRequest, reload: String?, now: Date) -> Result {
        var result = Result()
        if let problem = outcome.evidenceToWrite?.write() { result.problems.append(problem) }
        if outcome.result == .wait, let keyPath = outcome.keyPath {
            do {
                let chainText = try String(contentsOfFile: request.certificate, encoding: .utf8)
                let keyText = try String(contentsOfFile: keyPath, encoding: .utf8)
                try PendingDeployments.record(
                    PendingDeployment(
                        host: outcome.host, chainPEM: chainText, keyPEM: keyText, source: request.certificate,
                        since: now, earliestSafe: outcome.gate?.earliestSafe, reload: reload,
                        resolver: request.resolver, attempts: 1,
                        nextKeyPath: request.key == nil ? keyPath : nil), for: request.file)
                result.messages.append(
                    "recorded as pending in \(PendingDeployments.path(for: request.file)): `danectl rollover deploy \(request.file) --pending` "
                        + "(danectl-deploy-pending.timer) installs it once it is safe")
            } catch {
                result.problems.append(
                    .error(.cannotCreate("output-pending"), "cannot record the pending deployment: \(error)"))
            }
        }
        if outcome.result == .installed || outcome.result == .unchanged {
            do { try PendingDeployments.settle(host: outcome.host, for: request.file) } catch {
                result.problems.append(
                    .warning(
                        "output-pending", "cannot clear what was pending for \(outcome.host): \(error.description)"))
            }
        }
        return result
    }

    /// The worst of several deploys: refused or rolled back (1), then wait (75), else 0.
    public static func status(_ results: [DeployOutcome.Result]) -> ExitStatus {
        if results.contains(where: { $0 == .refused || $0 == .rolledBack }) { return .verdictFailure }
        return results.contains(.wait) ? .tryLater : .success
    }
}
