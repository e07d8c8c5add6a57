import DaneModel
import FileKit
import FoundationEssentials

/// `rollover deploy FILE --pending`: every deployment recorded as pending for the description,
/// tried again with the certificate and key it recorded: installed (or refused, or rolled
/// back) ones leave the list, those the gate still holds stay with their new earliest time.
public enum PendingDeploy {
    public struct Attempt: Sendable {
        public let pending: PendingDeployment
        public let outcome: DeployOutcome?
        public let error: DiagnosticError?
    }

    /// `base` carries the settings (timeouts, state file); `reloadTimeout` bounds each reload.
    public static func run(
        file: String, base: DeployRequest, reloadTimeout: TimeInterval, world: World
    ) throws(DiagnosticError) -> [Attempt] {
        let pending: [PendingDeployment]
        do { pending = try PendingDeployments.load(file) } catch {
            throw DiagnosticError(.error(.badData("rollover-pending-unreadable"), error.description))
        }
        var remaining: [PendingDeployment] = []
        var attempts: [Attempt] = []
        for entry in pending {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "danectl-pending-\(UUID().uuidString)"
            ).path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            do {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
                try AtomicFiles.write([
                    (folder + "/chain.pem", entry.chainPEM, 0o600), (folder + "/key.pem", entry.keyPEM, 0o600),
                ])
            } catch {
                throw DiagnosticError(
                    .error(
                        .cannotCreate("output-pending"),
                        "cannot stage the pending certificate for \(entry.host): \(error)"))
            }
            var request = base
            request.certificate = folder + "/chain.pem"
            // The description's own next key, unchanged since: deploy reads it there (and makes the
            // fresh next key after installing). Anything else: the copy taken when it was recorded.
            let unchanged =
                entry.nextKeyPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } == entry.keyPEM
            request.key = unchanged ? nil : folder + "/key.pem"
            request.host = entry.host
            request.resolver = entry.resolver ?? base.resolver
            let reload = entry.reload
            do {
                let outcome = try RolloverDeploy.run(
                    request, reload: { reload.flatMap { ReloadCommand.run($0, timeout: reloadTimeout) } }, world: world)
                if outcome.result == .wait {
                    var kept = entry
                    kept.attempts += 1
                    kept.earliestSafe = outcome.gate?.earliestSafe ?? kept.earliestSafe
                    remaining.append(kept)
                }
                attempts.append(Attempt(pending: entry, outcome: outcome, error: nil))
            } catch {
                // Could not ask (resolver, MX) or another deploy holds the lock: try again later.
                remaining.append(entry)
                attempts.append(Attempt(pending: entry, outcome: nil, error: error))
            }
        }
        do { try PendingDeployments.save(remaining, for: file) } catch {
            throw DiagnosticError(.error(.cannotCreate("output-pending"), error.description))
        }
        return attempts
    }
}
