import DaneFeatures
import DaneModel
import DaneTestSupport
import Foundation
import XCTest

/// `rollover prepare` and `rollover deploy` on real key and certificate files, against a
/// scripted DNS and MX: what is installed, refused, rolled back, and prepared next.
final class DeployTests: XCTestCase {
    let mx = "192.0.2.1", ns = "192.0.2.53"

    /// served.pem/served.key in service, next.key published (with new.pem issued for it),
    /// other.pem/other.key a stranger, renewed.pem a new certificate for the key in service.
    final class Files {
        let folder: String
        let description: String
        let current: TLSARecordData, next: TLSARecordData

        init() throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "danectl-deploy-\(UUID().uuidString)"
            ).path
            self.folder = folder
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            _ = try RolloverFixture.shell(
                """
                for k in served next other; do openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $k.key 2>/dev/null; done
                openssl req -x509 -key served.key -subj /CN=mx.example.test -days 30 -out served.pem 2>/dev/null
                openssl req -x509 -key served.key -subj /CN=mx.example.test -days 90 -out renewed.pem 2>/dev/null
                openssl req -x509 -key next.key -subj /CN=mx.example.test -days 90 -out new.pem 2>/dev/null
                openssl req -x509 -key other.key -subj /CN=mx.example.test -days 90 -out other.pem 2>/dev/null
                chmod 600 *.key
                """, in: folder)
            func hash(_ key: String) throws -> TLSARecordData {
                try TLSARecordData(
                    presentation: "3 1 1 "
                        + RolloverFixture.shell(
                            "openssl pkey -in \(key) -pubout -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1",
                            in: folder))
            }
            current = try hash("served.key")
            next = try hash("next.key")
            description = folder + "/domain.yaml"
            try """
            domain: example.test
            ttl: 300
            mx: [{host: mx.example.test, certificate: served.pem, private_key: served.key, next: next.key}]
            """.write(toFile: description, atomically: true, encoding: .utf8)
        }

        deinit { try? FileManager.default.removeItem(atPath: folder) }

        func path(_ name: String) -> String { folder + "/" + name }
        func read(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }
    }

    func world(_ f: Files) -> (ScriptedDNS, ScriptedMX) {
        ExampleWorld.make(set: [f.current, f.next], served: f.current)
    }

    func request(_ f: Files, _ certificate: String, key: String? = nil) -> DeployRequest {
        var request = DeployRequest(file: f.description, certificate: f.path(certificate))
        request.host = "mx.example.test"
        request.key = key.map(f.path)
        request.settle = 0.3
        return request
    }

    func testACertificateForAnUnpublishedKeyIsRefusedAndNothingChanges() throws {
        let f = try Files()
        let (dns, probe) = world(f)
        let before = try f.read("served.pem")
        let outcome = try RolloverDeploy.run(
            request(f, "other.pem", key: "other.key"),
            reload: {
                XCTFail("no reload"); return nil
            }, world: .scripted(dns, probe))
        XCTAssertEqual(outcome.result, .refused)
        XCTAssertTrue(
            outcome.messages[0].contains("neither the key in service nor the published next key"), outcome.messages[0])
        XCTAssertEqual(try f.read("served.pem"), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.path("served.pem.previous")))

        let mismatched = try RolloverDeploy.run(
            request(f, "new.pem", key: "other.key"), reload: { nil }, world: .scripted(dns, probe))
        XCTAssertEqual(mismatched.result, .refused)
        XCTAssertTrue(mismatched.messages[0].contains("was not issued for the key"), mismatched.messages[0])
    }

    func testTheNextKeyWaitsForTheGateThenInstallsConfirmsAndPreparesAFreshKey() throws {
        let f = try Files()
        let (dns, probe) = world(f)
        let oldChain = try f.read("served.pem"), newChain = try f.read("new.pem"), nextKey = try f.read("next.key")
        let early = try RolloverDeploy.run(
            request(f, "new.pem"),
            reload: {
                XCTFail("no reload while waiting"); return nil
            }, world: .scripted(dns, probe))
        XCTAssertEqual(early.result, .wait)
        XCTAssertEqual(early.gate?.codes, ["waiting-for-caches"])
        XCTAssertEqual(try f.read("served.pem"), oldChain, "nothing installed while the gate is closed")
        // Age the evidence the gate recorded, as the real clock would.
        let update = try XCTUnwrap(early.evidenceToWrite)
        let (path, text) = (update.path, update.text)
        var evidence = RolloverEvidence()
        let seen = try XCTUnwrap(RolloverFixtureEvidence.firstSeen(text))
        evidence.sawPublished(
            TLSAEndpoint(host: DNSName(presentation: "mx.example.test")!), [f.next], at: seen.addingTimeInterval(-700))
        try evidence.encoded().write(toFile: path, atomically: true, encoding: .utf8)

        let reloads = Counter()
        let (address, served) = (mx, f.next.associationData)
        let outcome = try RolloverDeploy.run(
            request(f, "new.pem"),
            reload: {
                reloads.add()
                probe.served[address] = served
                return nil
            }, world: .scripted(dns, probe))
        XCTAssertEqual(outcome.result, .installed, outcome.messages.joined(separator: "\n"))
        XCTAssertEqual(reloads.value, 1)
        XCTAssertEqual(try f.read("served.pem"), newChain)
        XCTAssertEqual(try f.read("served.key"), nextKey)
        XCTAssertEqual(try f.read("served.pem.previous"), oldChain)
        let prepared = try XCTUnwrap(outcome.prepared)
        XCTAssertTrue(prepared.made)
        XCTAssertNotEqual(try f.read("next.key"), nextKey, "a fresh next key")
        XCTAssertTrue(try f.read("next.csr").hasPrefix("-----BEGIN CERTIFICATE REQUEST-----"))
        var info = stat()
        XCTAssertEqual(stat(f.path("next.key"), &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        XCTAssertEqual(stat(f.path("served.key"), &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)

        // The README's next step: `rollover check --after` on the unchanged description agrees
        // with the deploy (the files moved on; the .previous files say what was replaced).
        if let update = outcome.evidenceToWrite { XCTAssertNil(update.write()) }
        let after = try RolloverRun.check(
            RolloverRequest(file: f.description), after: true, world: .scripted(dns, probe))
        XCTAssertEqual(after.results.map(\.state), [.safe], after.results.flatMap(\.reasons).joined(separator: "\n"))
        XCTAssertEqual(after.results.first?.codes, ["deployed"])
        let advice = after.results.first?.reasons.joined() ?? ""
        XCTAssertTrue(
            advice.contains("publish again") && !advice.contains("move `next`"),
            "no advice to edit a description deploy keeps: " + advice)
    }

    func testAnMXThatDoesNotServeTheNewKeyGetsThePreviousFilesBack() throws {
        let f = try Files()
        let (dns, probe) = world(f)
        var evidence = RolloverEvidence()
        evidence.sawPublished(
            TLSAEndpoint(host: DNSName(presentation: "mx.example.test")!), [f.next],
            at: Date().addingTimeInterval(-3600))
        try evidence.encoded().write(toFile: f.description + ".rollover.json", atomically: true, encoding: .utf8)
        let oldChain = try f.read("served.pem"), oldKey = try f.read("served.key")
        let outcome = try RolloverDeploy.run(request(f, "new.pem"), reload: { nil }, world: .scripted(dns, probe))
        XCTAssertEqual(outcome.result, .rolledBack, outcome.messages.joined(separator: "\n"))
        XCTAssertEqual(try f.read("served.pem"), oldChain)
        XCTAssertEqual(try f.read("served.key"), oldKey)
        XCTAssertNil(outcome.prepared, "no fresh key after a rollback")
    }

    func testARenewalThatKeptItsKeyIsInstalledAtOnce() throws {
        let f = try Files()
        let (dns, probe) = world(f)
        let outcome = try RolloverDeploy.run(
            request(f, "renewed.pem", key: "served.key"), reload: { nil }, world: .scripted(dns, probe))
        XCTAssertEqual(outcome.result, .installed, outcome.messages.joined(separator: "\n"))
        XCTAssertNil(outcome.gate, "the TLSA records do not change, so there is nothing to wait for")
        XCTAssertEqual(try f.read("served.pem"), try f.read("renewed.pem"))
        XCTAssertNil(outcome.prepared)
    }

    /// Hardening M9: a deploy run again after a renewal was installed finds it in service and
    /// changes nothing; `.previous` keeps the original certificate and key.
    func testASecondDeployOfWhatIsInServiceChangesNothing() throws {
        let f = try Files()
        let (dns, probe) = world(f)
        let original = try f.read("served.pem")
        XCTAssertEqual(
            try RolloverDeploy.run(
                request(f, "renewed.pem", key: "served.key"), reload: { nil }, world: .scripted(dns, probe)
            ).result, .installed)
        let again = try RolloverDeploy.run(
            request(f, "renewed.pem", key: "served.key"),
            reload: {
                XCTFail("no reload"); return nil
            }, world: .scripted(dns, probe))
        XCTAssertEqual(again.result, .unchanged, again.messages.joined(separator: "\n"))
        XCTAssertEqual(try f.read("served.pem.previous"), original, "the state before the renewal is kept")
    }

    /// Hardening M9: one deploy at a time per description.
    func testADeployWaitsForTheLockAndGivesUpWithTryLater() throws {
        let f = try Files()
        let (dns, probe) = world(f)
        // Another deploy holds the lock (flock, as `FileLock` takes it).
        let held = open(f.description + ".deploy.lock", O_RDWR | O_CREAT, 0o600)
        XCTAssertEqual(flock(held, LOCK_EX), 0)
        defer { close(held) }
        var waiting = request(f, "renewed.pem", key: "served.key")
        waiting.lockWait = 1
        XCTAssertThrowsError(
            try RolloverDeploy.run(
                waiting,
                reload: {
                    XCTFail("no reload"); return nil
                }, world: .scripted(dns, probe))
        ) { error in
            XCTAssertEqual((error as? DiagnosticError)?.codes, ["later-deploy-running"])
            XCTAssertEqual((error as? DiagnosticError).map { ExitStatus(stoppedBy: $0) }, .tryLater)
        }
        XCTAssertNotEqual(try f.read("served.pem"), try f.read("renewed.pem"), "nothing installed")
        flock(held, LOCK_UN)
        XCTAssertEqual(
            try RolloverDeploy.run(waiting, reload: { nil }, world: .scripted(dns, probe)).result, .installed)
    }

    /// Hardening M10: a reload that hangs is stopped and counts as failed: the previous files go back.
    func testAHangingReloadIsStoppedAndRolledBack() throws {
        let f = try Files()
        let (dns, probe) = world(f)
        let original = try f.read("served.pem")
        let started = Date()
        let outcome = try RolloverDeploy.run(
            request(f, "renewed.pem", key: "served.key"),
            reload: { ReloadCommand.run("sleep 30", timeout: 1) }, world: .scripted(dns, probe))
        XCTAssertEqual(outcome.result, .rolledBack, outcome.messages.joined(separator: "\n"))
        XCTAssertLessThan(Date().timeIntervalSince(started), 20)
        XCTAssertEqual(try f.read("served.pem"), original)
        XCTAssertNil(ReloadCommand.run("true", timeout: 5))
        XCTAssertEqual(ReloadCommand.run("exit 3", timeout: 5), "`exit 3` exited 3")
    }

    /// Hardening M8: the key keeps its mode and group, and a symbolic link stays a link.
    func testInstallKeepsModeGroupAndSymbolicLinks() throws {
        let f = try Files()
        let (dns, probe) = world(f)
        try FileManager.default.createDirectory(atPath: f.path("real"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: f.path("served.pem"), toPath: f.path("real/served.pem"))
        try FileManager.default.createSymbolicLink(
            atPath: f.path("served.pem"), withDestinationPath: f.path("real/served.pem"))
        XCTAssertEqual(chown(f.path("served.key"), 0, 4), 0, "group adm stands for the MTA's group")
        XCTAssertEqual(chmod(f.path("served.key"), 0o640), 0)
        let outcome = try RolloverDeploy.run(
            request(f, "renewed.pem", key: "served.key"), reload: { nil }, world: .scripted(dns, probe))
        XCTAssertEqual(outcome.result, .installed, outcome.messages.joined(separator: "\n"))
        XCTAssertEqual(
            try FileManager.default.destinationOfSymbolicLink(atPath: f.path("served.pem")), f.path("real/served.pem"))
        XCTAssertEqual(try f.read("real/served.pem"), try f.read("renewed.pem"))
        var info = stat()
        XCTAssertEqual(stat(f.path("served.key"), &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o640)
        XCTAssertEqual(info.st_gid, 4)
    }

    func testPrepareMakesAKeyOfTheSameKindOnceAndACSRForTheHost() throws {
        let f = try Files()
        try FileManager.default.removeItem(atPath: f.path("next.key"))
        let first = try RolloverPrepare.run(file: f.description, hosts: [])
        XCTAssertEqual(first.map(\.made), [true])
        let key = try f.read("next.key")
        let text = try RolloverFixture.shell(
            "openssl pkey -in next.key -noout -text | head -1; openssl req -in next.csr -noout -subject -text | grep -E 'subject=|DNS:'",
            in: f.folder)
        XCTAssertTrue(text.contains("256 bit") || text.contains("P-256") || text.contains("prime256v1"), text)
        XCTAssertTrue(text.contains("CN = mx.example.test") && text.contains("DNS:mx.example.test"), text)
        let again = try RolloverPrepare.run(file: f.description, hosts: [])
        XCTAssertEqual(again.map(\.made), [false])
        XCTAssertEqual(try f.read("next.key"), key, "prepare never replaces a next key")
    }

    /// Issue 22: a deploy the gate holds back is recorded as pending, and `--pending` installs
    /// it once the gate opens (what the timer runs after a certbot hook that ran early).
    func testAPendingDeploymentIsInstalledOnceTheGateOpens() throws {
        let f = try Files()
        let (dns, probe) = world(f)
        let early = try RolloverDeploy.run(
            request(f, "new.pem"),
            reload: {
                XCTFail("no reload while waiting"); return nil
            }, world: .scripted(dns, probe))
        XCTAssertEqual(early.result, .wait)
        XCTAssertEqual(early.keyPath, f.path("next.key"))
        let nextKey = try f.read("next.key")
        try PendingDeployments.record(
            PendingDeployment(
                host: early.host, chainPEM: try f.read("new.pem"), keyPEM: nextKey,
                source: f.path("new.pem"), since: Date(), earliestSafe: early.gate?.earliestSafe,
                reload: "touch '\(f.path("reloaded"))'", resolver: nil, attempts: 1,
                nextKeyPath: f.path("next.key")), for: f.description)
        var info = stat()
        XCTAssertEqual(stat(PendingDeployments.path(for: f.description), &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600, "it holds a private key")
        // The certbot lineage changes meanwhile; what was recorded is what goes in.
        try "renewed again".write(toFile: f.path("new.pem"), atomically: true, encoding: .utf8)
        let update = try XCTUnwrap(early.evidenceToWrite)
        let (path, text) = (update.path, update.text)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var base = DeployRequest(file: f.description, certificate: "")
        base.settle = 0.3
        base.lockWait = 1
        let waiting = try PendingDeploy.run(
            file: f.description, base: base, reloadTimeout: 5, world: .scripted(dns, probe))
        XCTAssertEqual(waiting.map(\.outcome?.result), [.wait])
        XCTAssertEqual(try PendingDeployments.load(f.description).first?.attempts, 2)
        // The gate opens (evidence aged as the real clock would); the MX serves the new key after the reload.
        var evidence = RolloverEvidence()
        let seen = try XCTUnwrap(RolloverFixtureEvidence.firstSeen(try String(contentsOfFile: path, encoding: .utf8)))
        evidence.sawPublished(
            TLSAEndpoint(host: DNSName(presentation: "mx.example.test")!), [f.next], at: seen.addingTimeInterval(-700))
        try evidence.encoded().write(toFile: path, atomically: true, encoding: .utf8)
        probe.switchWhenExists = (f.path("reloaded"), mx, f.next.associationData)
        let done = try PendingDeploy.run(
            file: f.description, base: base, reloadTimeout: 5, world: .scripted(dns, probe))
        XCTAssertEqual(done.map(\.outcome?.result), [.installed], "\(done.map { $0.outcome?.messages ?? [] })")
        XCTAssertTrue(
            try f.read("served.pem").hasPrefix("-----BEGIN CERTIFICATE-----"),
            "the recorded certificate, not the file as it is now")
        XCTAssertEqual(try f.read("served.key"), nextKey)
        // The key came from the description's own `next:`: the cycle goes on with a fresh one,
        // as after a direct deploy (found by the ACME lab: without it the next cycle had no next key).
        XCTAssertNotNil(done.first?.outcome?.prepared)
        XCTAssertNotEqual(try f.read("next.key"), nextKey, "a fresh next key")
        XCTAssertEqual(try PendingDeployments.load(f.description), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: PendingDeployments.path(for: f.description)))
    }

    /// Issue 22: deploy never writes an ACME client's files: an MX serving certbot's live/ files
    /// is refused with why, and a `next:` that is certbot's key is left alone after an install.
    func testACMEClientFilesAreNeverWritten() throws {
        let f = try Files()
        let (dns, probe) = world(f)
        let live = f.path("letsencrypt/live/mx")
        try FileManager.default.createDirectory(atPath: live, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: f.path("served.pem"), toPath: live + "/fullchain.pem")
        try FileManager.default.copyItem(atPath: f.path("served.key"), toPath: live + "/privkey.pem")
        try """
        domain: example.test
        ttl: 300
        mx: [{host: mx.example.test, certificate: \(live)/fullchain.pem, private_key: \(live)/privkey.pem, next: next.key}]
        """.write(toFile: f.description, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(
            try RolloverDeploy.run(
                request(f, "renewed.pem", key: "served.key"), reload: { nil }, world: .scripted(dns, probe))
        ) { error in
            XCTAssertEqual((error as? DiagnosticError)?.codes, ["rollover-acme-owned-target"])
        }
        XCTAssertEqual(
            try String(contentsOfFile: live + "/fullchain.pem", encoding: .utf8), try f.read("served.pem"),
            "certbot's file untouched")
        XCTAssertTrue(ACMEClientFiles.owns("/etc/letsencrypt/archive/x/privkey1.pem"))
        XCTAssertTrue(ACMEClientFiles.owns("/root/.lego/certificates/mx.example.com.key"))
        XCTAssertTrue(ACMEClientFiles.owns("/root/.acme.sh/mx.example.com/mx.example.com.key"))
        XCTAssertFalse(ACMEClientFiles.owns("/etc/postfix/tls/mx.pem"))
    }

    /// Hardening m12: a certificate file that also holds the key is installed as a secret.
    func testACertificateFileHoldingTheKeyIsNotInstalledWorldReadable() throws {
        let f = try Files()
        let (dns, probe) = world(f)
        XCTAssertEqual(chmod(f.path("served.pem"), 0o644), 0)
        try (try f.read("renewed.pem") + f.read("served.key")).write(
            toFile: f.path("combined.pem"), atomically: true, encoding: .utf8)
        let outcome = try RolloverDeploy.run(
            request(f, "combined.pem", key: "served.key"), reload: { nil }, world: .scripted(dns, probe))
        XCTAssertEqual(outcome.result, .installed, outcome.messages.joined(separator: "\n"))
        var info = stat()
        XCTAssertEqual(stat(f.path("served.pem"), &info), 0)
        XCTAssertEqual(info.st_mode & 0o007, 0, "no access for other users")
    }

    /// Hardening m8: a `next:` that is a directory, or a private key every user can read, is refused.
    func testPrepareRefusesADirectoryAndAWorldReadableKey() throws {
        let f = try Files()
        XCTAssertEqual(chmod(f.path("next.key"), 0o644), 0)
        XCTAssertThrowsError(try RolloverPrepare.run(file: f.description, hosts: [])) { error in
            XCTAssertEqual((error as? DiagnosticError)?.codes, ["rollover-next-key-readable"])
        }
        XCTAssertEqual(chmod(f.path("next.key"), 0o640), 0)
        XCTAssertEqual(
            try RolloverPrepare.run(file: f.description, hosts: []).map(\.made), [false],
            "group-readable is the MTA's business")
        try FileManager.default.removeItem(atPath: f.path("next.key"))
        try FileManager.default.createDirectory(atPath: f.path("next.key"), withIntermediateDirectories: false)
        XCTAssertThrowsError(try RolloverPrepare.run(file: f.description, hosts: [])) { error in
            XCTAssertEqual((error as? DiagnosticError)?.codes, ["rollover-next-not-a-file"])
        }
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}

enum RolloverFixtureEvidence {
    /// The one first-seen date in a state file's text.
    static func firstSeen(_ text: String) -> Date? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let seen = object["first_seen"] as? [String: String], let first = seen.values.first
        else { return nil }
        return ISO8601DateFormatter().date(from: first)
    }
}

/// The ACME clients' hook environments, read once for `rollover deploy --certbot/--lego`.
final class ACMEHookTests: XCTestCase {
    func testCertbotLineage() throws {
        let hook = try ACMEHook.certbot([
            "RENEWED_LINEAGE": "/etc/letsencrypt/live/mx", "RENEWED_DOMAINS": "mx.example.test mail.example.test",
        ])
        XCTAssertEqual(
            hook,
            ACMEHook(
                chain: "/etc/letsencrypt/live/mx/fullchain.pem", key: "/etc/letsencrypt/live/mx/privkey.pem",
                domains: ["mx.example.test", "mail.example.test"]))
        XCTAssertThrowsError(try ACMEHook.certbot([:])) {
            XCTAssertEqual(($0 as? DiagnosticError)?.diagnostics.first?.code, "usage-certbot")
        }
    }

    func testLegoFourAndFive() throws {
        let four = try ACMEHook.lego([
            "LEGO_CERT_PATH": "/c.crt", "LEGO_CERT_KEY_PATH": "/c.key", "LEGO_CERT_DOMAIN": "mx.example.test",
        ])
        XCTAssertEqual(four.domains, ["mx.example.test"])
        let five = try ACMEHook.lego([
            "LEGO_HOOK_CERT_PATH": "/d.crt", "LEGO_HOOK_CERT_KEY_PATH": "/d.key",
            "LEGO_HOOK_CERT_DOMAINS": "mx.example.test,mail.example.test",
        ])
        XCTAssertEqual(
            five, ACMEHook(chain: "/d.crt", key: "/d.key", domains: ["mx.example.test", "mail.example.test"]))
        // An incomplete set is no set: lego 4's path without its key falls through to 5's, then fails.
        XCTAssertThrowsError(try ACMEHook.lego(["LEGO_CERT_PATH": "/c.crt", "LEGO_CERT_DOMAIN": "mx.example.test"])) {
            XCTAssertEqual(($0 as? DiagnosticError)?.diagnostics.first?.code, "usage-lego")
        }
    }

    func testWorstDeployResultIsTheStatus() {
        XCTAssertEqual(DeployFollowUp.status([.installed, .wait]), .tryLater)
        XCTAssertEqual(DeployFollowUp.status([.wait, .refused]), .verdictFailure)
        XCTAssertEqual(DeployFollowUp.status([.installed, .unchanged]), .success)
    }
}
