import DaneModel
import DaneSpec
import FileKit
import FoundationEssentials
import Glibc
import OpenSSLKit
import ThreadKit

/// What `rollover deploy` needs from the command line (or from certbot's deploy hook).
public struct DeployRequest: Sendable {
    public var file: String
    /// The MX host to deploy to; with `certbotDomains`, found from those instead.
    public var host: String?
    /// The new certificate chain, leaf first (PEM).
    public var certificate: String
    /// The new certificate's private key; default: the host's `next:` file.
    public var key: String?
    /// certbot's RENEWED_DOMAINS: the host is the description's MX host among them.
    public var certbotDomains: [String] = []
    public var statePath: String?
    public var resolver: String?
    public var timeout: TimeInterval = 20
    public var publishDelay: TimeInterval = 0
    /// How long to wait for the MX to serve the new key after the reload.
    public var settle: TimeInterval = 15
    /// How long to wait for another deploy of the same description to finish.
    public var lockWait: TimeInterval = 60

    public init(file: String, certificate: String) {
        self.file = file
        self.certificate = certificate
    }

    var state: String { statePath ?? file + ".rollover.json" }
}

/// What `rollover deploy` did.
public struct DeployOutcome: Sendable {
    public enum Result: String, Sendable, Codable {
        /// The new certificate serves and senders can authenticate it.
        case installed
        /// The certificate and key given are already the ones in service: nothing changed
        /// (the `.previous` files keep the state before them).
        case unchanged
        /// The gate says wait (the word `rollover check` uses): nothing changed; run again later.
        case wait
        /// Refused: the certificate's key is not one senders can be authenticating yet, or the
        /// gate says unsafe; nothing changed.
        case refused
        /// Installed, but the MX then failed the post-deploy check: the previous files are back.
        case rolledBack = "rolled-back"
    }

    public let host: String
    public let result: Result
    /// The gate's verdict, when it was asked (a reused key needs no gate).
    public let gate: RolloverHostResult?
    public let messages: [String]
    public let prepared: PreparedKey?
    public let evidenceToWrite: EvidenceUpdate?
    /// The private key the certificate goes with (for a pending record).
    public var keyPath: String?
}

/// `rollover deploy`: installs a new certificate only when it is safe. A certificate for the
/// key in service (a renewal that reused its key) goes in at once; one for the published next
/// key goes in when the gate is open; any other key is refused. Installing writes the chain to
/// the host's `certificate:` file and the key to its `private_key:` file (the previous ones
/// kept as `.previous`), reloads the MX, confirms with the post-deploy check (putting the
/// previous files back if it fails), then prepares a fresh next key so the cycle continues.
/// Acts on the real clock only: evidence is aged by time, never pretended.
public enum RolloverDeploy {
    public typealias Reload = @Sendable () -> String?

    public static func run(
        _ request: DeployRequest, reload: Reload, world: World
    )
        throws(DiagnosticError) -> DeployOutcome
    {
        // One deploy at a time per description: a second one started while the first reloads
        // would take the new certificate for the one in service and lose the old one.
        guard let lock = FileLock.acquire(request.file + ".deploy.lock", wait: request.lockWait) else {
            throw DiagnosticError(
                .error(
                    .tryLater("later-deploy-running"),
                    "another `rollover deploy` of \(request.file) holds "
                        + "\(request.file).deploy.lock (waited \(Int(request.lockWait)) s); nothing installed: run again when it is done"
                ))
        }
        defer { withExtendedLifetime(lock) {} }
        let description = try DescriptionLoader.load(path: request.file)
        let host = try chooseHost(description, request)
        let files = try InstallTarget(host)
        let loader = KeyMaterialLoader()
        let chain = try loader.load(
            KeySourceSpec(
                path: request.certificate, written: request.certificate, expectation: .certificate,
                location: SourceLocation(file: request.certificate)))
        guard
            let keySource = request.key.map({
                KeySourceSpec(path: $0, written: $0, expectation: .key, location: SourceLocation(file: $0))
            })
                ?? host.next.first
        else {
            throw DiagnosticError(
                .error(
                    .badData("rollover-no-next-path"),
                    "\(host.host) has no `next:` key and no --key was given: "
                        + "which private key belongs to \(request.certificate)?", at: host.location))
        }
        let key = try loader.load(keySource)
        guard key.kind == .privateKey else {
            throw DiagnosticError(
                .error(
                    .badData("key-not-private"),
                    "\(keySource.written) holds a \(key.kind.rawValue); deploying needs the private key "
                        + "the MX will serve with", at: keySource.location))
        }
        let name = host.host.fqdn
        let served = TLSAAssociation.spkiSHA256(chain.subjectPublicKeyInfoDER)
        func refused(
            _ message: String, gate: RolloverHostResult? = nil, evidence: EvidenceUpdate? = nil
        ) -> DeployOutcome {
            DeployOutcome(
                host: name, result: .refused, gate: gate, messages: [message], prepared: nil, evidenceToWrite: evidence)
        }
        guard key.subjectPublicKeyInfoDER == chain.subjectPublicKeyInfoDER else {
            return refused(
                "\(request.certificate) was not issued for the key in \(keySource.written): nothing installed")
        }

        let dns = try world.answeringLookup(
            resolver: request.resolver, timeout: request.timeout,
            purpose: "the gate needs a validating resolver; nothing installed"
        ).lookup
        var checker = RolloverChecker(
            lookup: dns, probe: world.keyProbe(timeout: request.timeout), now: world.clock.now())
        checker.publishDelay = request.publishDelay
        let currentKey = try loader.load(host.current[0]).subjectPublicKeyInfoDER
        var nextKeys: [[UInt8]] = []
        for source in host.next where FileManager.default.fileExists(atPath: source.path) {
            nextKeys.append(try loader.load(source).subjectPublicKeyInfoDER)
        }
        let (loaded, problem) = RolloverEvidence.load(path: request.state)
        var evidence = loaded
        var evidenceToWrite: EvidenceUpdate? {
            problem == nil && evidence != loaded ? EvidenceUpdate(path: request.state, text: evidence.encoded()) : nil
        }

        let reused = chain.subjectPublicKeyInfoDER == currentKey
        let sets = try RolloverKeys(now: checker.now).sets(for: host)
        let zone = ZoneAssignment(description: description).zone(for: host.host, explicit: host.zone).zone
        var gate: RolloverHostResult?
        if !reused {
            guard nextKeys.contains(chain.subjectPublicKeyInfoDER) else {
                return refused(
                    "the key of \(request.certificate) is neither the key in service nor the published next key of \(name) "
                        + "(its 3 1 1 is \(served)); senders would fail it with 5.7.323: make it the host's `next:`, publish "
                        + "its hash (danectl generate), wait for `rollover check`, then deploy. Nothing installed.")
            }
            let verdict = try checker.check(description, hosts: [name], after: false, evidence: &evidence)[0]
            gate = verdict
            switch verdict.state {
            case .safe: break
            case .wait:
                var later = DeployOutcome(
                    host: name, result: .wait, gate: verdict, messages: verdict.reasons + ["nothing installed yet"],
                    prepared: nil, evidenceToWrite: evidenceToWrite)
                later.keyPath = keySource.path
                return later
            case .unsafe, .refused:
                return refused(
                    verdict.reasons.joined(separator: "; ") + "; nothing installed", gate: verdict,
                    evidence: evidenceToWrite)
            case .dnsProblem, .unavailable:
                throw DiagnosticError(
                    .error(
                        verdict.state == .dnsProblem ? .badData("dns-problem") : .unavailable("unavailable-gate"),
                        verdict.reasons.joined(separator: "; ") + "; nothing installed"))
            }
        }

        if try files.alreadyServes(chain: request.certificate, key: keySource.path) {
            return DeployOutcome(
                host: name, result: .unchanged, gate: gate,
                messages: ["\(request.certificate) and its key are already the files in service: nothing changed"],
                prepared: nil, evidenceToWrite: evidenceToWrite)
        }
        // Install, reload, confirm; put the previous files back if senders could not authenticate the result.
        let previous = try files.install(chain: request.certificate, key: keySource.path)
        var messages = [
            "installed \(request.certificate) as \(files.chainPath) and its key as \(files.keyPath) (previous files kept as .previous)"
        ]
        if let failure = reload() {
            try files.restore(previous)
            _ = reload()
            return DeployOutcome(
                host: name, result: .rolledBack, gate: gate,
                messages: messages + ["the reload failed (\(failure)): the previous files are back"],
                prepared: nil, evidenceToWrite: evidenceToWrite)
        }
        let confirmation = confirm(
            checker, host, zone: zone, sets: sets, reused: reused, evidence: evidence, settle: request.settle,
            clock: world.clock)
        guard confirmation.state == .safe else {
            try files.restore(previous)
            let again = reload()
            return DeployOutcome(
                host: name, result: .rolledBack, gate: gate,
                messages: messages + confirmation.reasons + [
                    "the post-deploy check failed, so the previous files are back"
                        + (again.map { " (but the reload failed: \($0))" } ?? "")
                ],
                prepared: nil, evidenceToWrite: evidenceToWrite)
        }
        messages += confirmation.reasons
        // The cycle goes on: the consumed next key makes way for a fresh one, but only a key
        // danectl owns (taken from `next:` itself); an ACME client's key (--key, --certbot) stays.
        var prepared: PreparedKey?
        if !reused, request.key == nil, let next = host.next.first, next.path == keySource.path,
            RegularFiles.kind(next.path) == .regular, !ACMEClientFiles.owns(next.path)
        {
            try? FileManager.default.removeItem(atPath: next.path)
            prepared = try RolloverPrepare.prepare(host, at: next)
            messages.append(
                "made the next key \(next.written) and its CSR: publish its hash now (danectl generate, then sign and load the zone), "
                    + "which also retires the old hash")
        }
        return DeployOutcome(
            host: name, result: .installed, gate: gate, messages: messages, prepared: prepared,
            evidenceToWrite: evidenceToWrite)
    }

    static func chooseHost(
        _ description: DomainDescription, _ request: DeployRequest
    ) throws(DiagnosticError) -> MXHostSpec {
        if let host = request.host { return try RolloverChecker.select(description, [host])[0] }
        let domains = Set(request.certbotDomains.compactMap { DNSName(presentation: $0) })
        guard let host = description.hosts.first(where: { domains.contains($0.host) }) else {
            throw DiagnosticError(
                .error(
                    .usage("usage-no-host"),
                    request.certbotDomains.isEmpty
                        ? "name the MX host with --host"
                        : "none of the renewed names (\(request.certbotDomains.joined(separator: " "))) is an MX host of \(description.file)"
                ))
        }
        return host
    }

    /// After the reload: the served key must be one senders authenticate now. A new key is
    /// judged by the post-deploy check (retried while the MX picks the new files up); a reused
    /// key must still match on every address.
    static func confirm(
        _ checker: RolloverChecker, _ host: MXHostSpec, zone: DNSName, sets: RolloverKeys.Sets, reused: Bool,
        evidence: RolloverEvidence, settle: TimeInterval, clock: any Clock
    ) -> RolloverHostResult {
        let deadline = clock.now().addingTimeInterval(settle)
        while true {
            var now = checker
            now.recordsEvidence = false
            let result: RolloverHostResult
            if reused {
                let live =
                    checker.lookup.lookup(host.endpoint.owner, .tlsa).response?.tlsa.filter {
                        SMTPUsability.verdict(for: $0).isUsable
                    } ?? []
                let probed = now.probeAddresses(host, records: live, expectation: "a key of the live TLSA set")
                result = RolloverHostResult(
                    host: host.host.fqdn, state: probed.failure?.state ?? .safe,
                    findings: probed.failure?.findings ?? [
                        .init("deployed", "the renewed certificate (same key) serves on every address")
                    ],
                    earliestSafe: nil, nextRecords: [], publishedEverywhere: true)
            } else {
                result = now.confirmDeployed(host, zone: zone, sets: sets, evidence: evidence)
            }
            let pending = result.codes.contains("new-key-not-live") || result.codes.contains("key-mismatch")
            if result.state == .safe || !pending || clock.now() >= deadline { return result }
            Threads.sleep(seconds: 0.5)
        }
    }
}

/// The files an MX serves from, as the description names them, and how to swap them.
struct InstallTarget {
    let chainPath: String
    let keyPath: String

    init(_ host: MXHostSpec) throws(DiagnosticError) {
        guard host.current.count == 1 else {
            throw DiagnosticError(
                .error(
                    .badData("rollover-several-certificates"),
                    "\(host.host) serves \(host.current.count) certificates; "
                        + "deploy installs one: deploy each with its own description entry", at: host.location))
        }
        guard let served = host.servedKey else {
            throw DiagnosticError(
                .error(
                    .badData("rollover-no-private-key-path"),
                    "\(host.host) has no `private_key:`: name the key file the MX serves "
                        + "with, beside `certificate:`, so deploy knows where to install", at: host.location))
        }
        // The MX must serve files deploy installs: an ACME client replaces its own before any
        // hook runs, so no gate could hold a new key back, and writing there breaks the client.
        for path in [host.current[0].path, served.path] where ACMEClientFiles.owns(path) {
            throw DiagnosticError(
                .error(
                    .badData("rollover-acme-owned-target"),
                    "\(path) belongs to an ACME client (certbot, lego, acme.sh): it replaces "
                        + "that file itself before any hook runs, so no gate can hold a new key back, and deploy never writes there; point "
                        + "`certificate:` and `private_key:` at files deploy installs (e.g. /etc/postfix/tls/), and let the hook deploy into them",
                    at: host.location))
        }
        // A symbolic link stays one: the file it names is replaced, not the link.
        chainPath = Self.resolved(host.current[0].path)
        keyPath = Self.resolved(served.path)
    }

    static func resolved(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    /// True when the given chain and key are byte for byte the files in service.
    func alreadyServes(chain: String, key: String) throws(DiagnosticError) -> Bool {
        let same = { (a: String, b: String) -> Bool in
            FileManager.default.contentsEqual(atPath: a, andPath: b)
        }
        return same(chain, chainPath) && same(key, keyPath)
    }

    struct Previous { let chain: String; let key: String }

    /// Keeps the files in service as `.previous`, then replaces both together.
    func install(chain: String, key: String) throws(DiagnosticError) -> Previous {
        do {
            let oldChain = try String(contentsOfFile: chainPath, encoding: .utf8)
            let oldKey = try String(contentsOfFile: keyPath, encoding: .utf8)
            let newChain = try String(contentsOfFile: chain, encoding: .utf8)
            let newKey = try String(contentsOfFile: key, encoding: .utf8)
            // The key keeps its mode, owner and group (an MTA may read it through its group).
            let keyMode = Self.mode(of: keyPath) ?? 0o600
            try AtomicFiles.write([
                (chainPath + ".previous", oldChain, Self.mode(of: chainPath)), (keyPath + ".previous", oldKey, keyMode),
            ])
            // A chain file that also holds the key (one PEM file for both) is a secret too.
            let chainMode: mode_t? = newChain.contains("PRIVATE KEY-----") ? min(keyMode, 0o640) & ~0o007 : nil
            try AtomicFiles.write([(chainPath, newChain, chainMode), (keyPath, newKey, keyMode)])
            return Previous(chain: oldChain, key: oldKey)
        } catch let error as AtomicFiles.Failure {
            throw DiagnosticError(.error(.cannotCreate("output-write"), "\(error); nothing installed"))
        } catch {
            throw DiagnosticError(
                .error(
                    .noInput("install-unreadable"),
                    "cannot read the files to swap: \(FileErrors.reason(error)); nothing installed"))
        }
    }

    static func mode(of path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o7777 : nil
    }

    func restore(_ previous: Previous) throws(DiagnosticError) {
        do { try AtomicFiles.write([(chainPath, previous.chain, nil), (keyPath, previous.key, nil)]) } catch {
            throw DiagnosticError(
                .error(
                    .cannotCreate("output-write"),
                    "\(error) while putting the previous files back: copy the .previous files back by hand"))
        }
    }
}
