import Foundation
import XCTest

/// `rollover plan` and `rollover check` on the lab's rollover.test, whose TLSA set holds the
/// key Postfix serves (ee) and a next key (next), TTL 300. Time is moved by ageing the recorded
/// evidence (or, for rehearsals, with --now, which records nothing), never slept.
final class RolloverLabTests: LabTestCase {

    /// Folders live as long as the test: a discarded one would be deleted at once.
    /// Kept until the test ends: XCTest keeps every test case object alive for the whole run,
    /// so folders held here are removed in tearDown, not when the object goes.
    var folders: [TemporaryFolder] = []

    override func tearDown() {
        folders.removeAll()
        super.tearDown()
    }

    func description(_ domain: String, current: String, next: String) throws -> (TemporaryFolder, String) {
        let lab = try XCTUnwrap(Self.lab, "the test lab is not running")
        let folder = try TemporaryFolder()
        folders.append(folder)
        let path = try folder.write(
            "\(domain).yaml",
            """
            domain: \(domain)
            ttl: 300
            mx: [{host: mx.\(domain), certificate: \(lab.certificates)/\(current).pem, next: \(lab.certificates)/\(next).pem}]
            """)
        return (folder, path)
    }

    func check(_ path: String, _ extra: [String] = []) throws -> (ProcessResult, [String: Any]) {
        let lab = try XCTUnwrap(Self.lab)
        let result = try Danectl.run(
            ["rollover", "check", path, "--resolver", lab.resolver, "--format", "json", "--timeout", "5"] + extra)
        try SchemaCheck.assertValid(result.stdout, "rollover-check", "rollover check \(extra)")
        if FileManager.default.fileExists(atPath: path + ".rollover.json") {
            try SchemaCheck.assertValidFiles([path + ".rollover.json"], "rollover-state", "the state file")
        }
        let document = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stderr)
        return (result, try XCTUnwrap((document["hosts"] as? [[String: Any]])?.first, result.stdout))
    }

    static func time(_ offset: TimeInterval) -> String {
        ISO8601DateFormatter().string(from: Date().addingTimeInterval(offset))
    }

    /// Moves every first sighting in a state file `seconds` into the past, as if the real
    /// checks had run that much earlier.
    static func ageEvidence(_ path: String, by seconds: TimeInterval) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var document = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let iso = ISO8601DateFormatter()
        let seen = try XCTUnwrap(document["first_seen"] as? [String: String])
        XCTAssertFalse(seen.isEmpty, "no evidence to age in \(path)")
        document["first_seen"] = seen.mapValues { iso.string(from: iso.date(from: $0)!.addingTimeInterval(-seconds)) }
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: path))
    }

    /// A state file saying `record` at `owner` was first seen `age` seconds ago.
    static func writeEvidence(_ path: String, owner: String, certificate: String, age: TimeInterval) throws {
        let hash = try Processes.shell(
            "openssl x509 -in '\(certificate)' -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1"
        )
        .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(hash.count, 64)
        let document = ["first_seen": ["\(owner) 3 1 1 \(hash)": time(-age)], "schema_version": 1] as [String: Any]
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: path))
    }

    func testPlanWaitsTwoTTLsAfterPublishingBeforeDeploying() throws {
        let (_, path) = try description("rollover.test", current: "ee", next: "next")
        let result = try Danectl.run([
            "rollover", "plan", path, "--offline", "--format", "json", "--now", "2026-12-01T00:00:00Z",
            "--publish-delay", "60",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let steps = try XCTUnwrap(
            (JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])?["steps"]
                as? [[String: Any]])
        XCTAssertEqual(steps.map { $0["action"] as? String }, ["publish-next", "deploy", "verify", "retire-old"])
        XCTAssertEqual(steps[1]["wait_seconds"] as? Int, 660, "2 x 300 s TTL + 60 s publishing delay")
        XCTAssertEqual(steps[1]["earliest"] as? String, "2026-12-01T00:11:00Z")
        XCTAssertEqual(steps[3]["earliest"] as? String, "2026-12-01T00:21:00Z")
        XCTAssertTrue(steps.allSatisfy { $0["host"] as? String == "mx.rollover.test." })

        // Live TTLs and the zone's negative TTL come from the zone itself.
        let live = try Danectl.run([
            "rollover", "plan", path, "--resolver", try XCTUnwrap(Self.lab).resolver, "--now", "2026-12-01T00:00:00Z",
        ])
        XCTAssertTrue(live.stdout.contains("deploy not before 2026-12-01T00:10:00Z (wait 600 s)"), live.stdout)
        XCTAssertTrue(live.stdout.contains("negative TTL 60 s"), live.stdout)
    }

    func testGateRefusesUntilTheWaitHasPassedThenOpens() throws {
        let (folder, path) = try description("rollover.test", current: "ee", next: "next")
        let (first, firstHost) = try check(path)
        XCTAssertEqual(first.status, 75, "not yet: try again later\n\(first.stdout)")
        XCTAssertEqual(firstHost["state"] as? String, "wait")
        let earliest = try XCTUnwrap(firstHost["earliest_safe"] as? String)
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: path + ".rollover.json"), "first-seen evidence must be kept")

        // A rehearsal reads the evidence but never writes it.
        let before = try String(contentsOfFile: path + ".rollover.json", encoding: .utf8)
        let (early, earlyHost) = try check(path, ["--now", Self.time(300)])
        XCTAssertEqual(early.status, 75)
        XCTAssertEqual(earlyHost["earliest_safe"] as? String, earliest, "the first sighting, not the latest, counts")
        let (late, lateHost) = try check(path, ["--now", Self.time(610)])
        XCTAssertEqual(late.status, 0, late.stdout)
        XCTAssertEqual(lateHost["state"] as? String, "safe")
        XCTAssertEqual(
            try String(contentsOfFile: path + ".rollover.json", encoding: .utf8), before, "--now wrote evidence")

        // Real time: the gate opens once the recorded sighting is old enough.
        try Self.ageEvidence(path + ".rollover.json", by: 610)
        let (open, _) = try check(path)
        XCTAssertEqual(open.status, 0, open.stdout)

        let nagios = try Danectl.run([
            "rollover", "check", path, "--resolver", try XCTUnwrap(Self.lab).resolver, "--nagios",
            "--state", folder.file("fresh.json"),
        ])
        XCTAssertEqual(nagios.status, 1)
        XCTAssertTrue(nagios.stdout.hasPrefix("DANE ROLLOVER WARNING - mx.rollover.test. wait: "), nagios.stdout)
        XCTAssertTrue(nagios.stdout.contains(" | seconds_until_safe="), nagios.stdout)
        XCTAssertTrue(nagios.stdout.hasSuffix(" hosts_published=1;;;0;1\n"), nagios.stdout)
    }

    /// A host on port 2525: the gate probes 2525 and reads _2525._tcp (port 25 is closed there).
    func testGateProbesTheHostsOwnPort() throws {
        let lab = try XCTUnwrap(Self.lab)
        let folder = try TemporaryFolder()
        folders.append(folder)
        let path = try folder.write(
            "port.yaml",
            """
            domain: port.test
            ttl: 300
            mx: [{host: mx.port.test, port: 2525, certificate: \(lab.certificates)/ee.pem, next: \(lab.certificates)/next.pem}]
            """)
        let (result, host) = try check(path)
        XCTAssertEqual(result.status, 75, "\(host)")
        XCTAssertEqual(host["state"] as? String, "wait")
        let live = try Danectl.run(["generate", path, "--check-live", "--resolver", lab.resolver])
        XCTAssertEqual(live.status, 0, live.stderr)
        XCTAssertTrue(live.stdout.contains("_2525._tcp.mx.port.test."), live.stdout)
    }

    func testGateRefusesWhenTheNextHashIsMissing() throws {
        let (_, path) = try description("rollover.test", current: "ee", next: "other")
        let (result, host) = try check(path, ["--now", Self.time(3600)])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(host["state"] as? String, "unsafe")
        XCTAssertTrue(
            (host["reasons"] as? [String])?.first?.hasPrefix(
                "the next hash is not published: _25._tcp.mx.rollover.test. IN TLSA 3 1 1 ") == true)
    }

    func testGateReportsBogusDNSAsADNSProblem() throws {
        let (_, path) = try description("bogus.test", current: "ee", next: "next")
        let (result, host) = try check(path)
        XCTAssertEqual(result.status, 2, result.stdout)
        XCTAssertEqual(host["state"] as? String, "dns-problem")
        XCTAssertEqual(host["codes"] as? [String], ["tlsa-lookup-failed"])
        let nagios = try Danectl.run([
            "rollover", "check", path, "--resolver", try XCTUnwrap(Self.lab).resolver, "--nagios",
        ])
        XCTAssertEqual(nagios.status, 2, nagios.stdout)
    }

    func testGateRefusesAnUnsignedZone() throws {
        let (_, path) = try description("unsigned.test", current: "ee", next: "other")
        let (result, host) = try check(path)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue((host["reasons"] as? [String])?.first?.contains("is not DNSSEC-secure") == true, "\(host)")
    }

    func testGateNoticesADifferentKeyDeployedThanPlanned() throws {
        // The description says `next` is in service now; the server still presents ee.
        let (_, path) = try description("rollover.test", current: "next", next: "ee")
        let (result, host) = try check(path, ["--now", Self.time(3600)])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(
            (host["reasons"] as? [String])?.first?.contains("does not present the current key") == true, "\(host)")
    }

    func testAfterDeployChecksTheNewKeyIsLive() throws {
        let lab = try XCTUnwrap(Self.lab)
        let (_, notYet) = try description("rollover.test", current: "ee", next: "next")
        let (pending, pendingHost) = try check(notYet, ["--after"])
        XCTAssertEqual(pending.status, 1)
        XCTAssertEqual(pendingHost["codes"] as? [String], ["new-key-not-live"], "\(pendingHost)")

        // The MX serves ee, here the "next" key; its hash was published an hour ago.
        let (_, deployed) = try description("rollover.test", current: "next", next: "ee")
        try Self.writeEvidence(
            deployed + ".rollover.json", owner: "_25._tcp.mx.rollover.test.", certificate: "\(lab.certificates)/ee.pem",
            age: 3600)
        let (done, doneHost) = try check(deployed, ["--after"])
        XCTAssertEqual(done.status, 0, done.stdout)
        XCTAssertTrue((doneHost["reasons"] as? [String])?.first?.contains("retire the old hash from") == true)

        // The same key, live 5 seconds after its hash: caches could not hold it yet.
        try Self.writeEvidence(
            deployed + ".rollover.json", owner: "_25._tcp.mx.rollover.test.", certificate: "\(lab.certificates)/ee.pem",
            age: 5)
        let (early, earlyHost) = try check(deployed, ["--after"])
        XCTAssertEqual(early.status, 1, early.stdout)
        XCTAssertEqual(earlyHost["codes"] as? [String], ["deployed-too-early"])
    }

    /// The too-early swap: the MX serves a key whose hash was never published. Postfix and
    /// verify fail that host, so the post-deploy check must too, whatever the description says.
    func testAfterFailsAKeyWhoseHashIsNotPublished() throws {
        let lab = try XCTUnwrap(Self.lab)
        // mismatch.test publishes only `other`; its MX serves ee, which the description calls next.
        let (_, path) = try description("mismatch.test", current: "other", next: "ee")
        try Self.writeEvidence(
            path + ".rollover.json", owner: "_25._tcp.mx.mismatch.test.", certificate: "\(lab.certificates)/ee.pem",
            age: 3600)
        let (result, host) = try check(path, ["--after"])
        XCTAssertEqual(result.status, 1, result.stdout)
        XCTAssertEqual(host["codes"] as? [String], ["key-mismatch"])
        XCTAssertTrue(
            (host["reasons"] as? [String])?.first?.hasPrefix("5.7.323 tlsa-invalid: mx.mismatch.test. [127.25.0.1]")
                == true, "\(host)")
        let verify = try Danectl.run(["verify", "--resolver", lab.resolver, "mismatch.test"])
        XCTAssertEqual(verify.status, 1, "verify agrees: \(verify.stdout)")
    }

    func testUnknownHostIsAUsageErrorAndAHostWithoutNextIsRefused() throws {
        let lab = try XCTUnwrap(Self.lab)
        let (_, path) = try description("rollover.test", current: "ee", next: "next")
        let typo = try Danectl.run(["rollover", "check", path, "--resolver", lab.resolver, "--host", "mx.typo.example"])
        XCTAssertEqual(typo.status, 64, typo.stderr)
        XCTAssertTrue(typo.stderr.hasSuffix(" [usage-unknown-host]\n"), typo.stderr)
        let folder = try TemporaryFolder()
        folders.append(folder)
        let none = try folder.write(
            "none.yaml",
            "domain: rollover.test\nmx: [{host: mx.rollover.test, certificate: \(lab.certificates)/ee.pem}]\n")
        let refused = try Danectl.run(["rollover", "check", none, "--resolver", lab.resolver, "--nagios"])
        XCTAssertEqual(refused.status, 2, refused.stdout)
        XCTAssertTrue(
            refused.stdout.hasPrefix(
                "DANE ROLLOVER CRITICAL - mx.rollover.test. refused: nothing is planned for mx.rollover.test.: no next key"
            ), refused.stdout)
        XCTAssertEqual(try Danectl.run(["rollover", "check", none, "--resolver", lab.resolver]).status, 1)
    }

    func testGenerateCheckLiveRefusesASetNoServerMatches() throws {
        let resolver = try XCTUnwrap(Self.lab).resolver
        let (_, stranded) = try description("rollover.test", current: "other", next: "next")
        let refused = try Danectl.run(["generate", stranded, "--check-live", "--resolver", resolver])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stdout.isEmpty, "nothing may be emitted")
        XCTAssertTrue(
            refused.stderr.contains("does not present a key in this TLSA set")
                && refused.stderr.hasSuffix("[live-mismatch]\n"), refused.stderr)

        let forced = try Danectl.run(["generate", stranded, "--check-live", "--force", "--resolver", resolver])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertTrue(forced.stdout.contains("IN TLSA 3 1 1 "))
        XCTAssertTrue(forced.stderr.contains("warning:"), forced.stderr)

        let (_, good) = try description("rollover.test", current: "ee", next: "next")
        let fine = try Danectl.run(["generate", good, "--check-live", "--resolver", resolver])
        XCTAssertEqual(fine.status, 0, fine.stderr)
    }

    /// The whole renewal on walk.test, whose MX (127.25.0.6) serves ee: publish ee + next,
    /// the gate waits then opens, Postfix switches to next, the post-deploy check passes, the
    /// old hash goes; verify passes at every step.
    func testFullRolloverWalk() throws {
        let lab = try XCTUnwrap(Self.lab)
        let folder = try TemporaryFolder()
        folders.append(folder)
        func write(_ name: String, current: String, next: String?) throws -> String {
            try folder.write(
                name,
                """
                domain: walk.test
                ttl: 300
                mx: [{host: mx.walk.test, certificate: \(lab.certificates)/\(current).pem\(next.map { ", next: \(lab.certificates)/\($0).pem" } ?? "")}]
                """)
        }
        func labCommand(_ arguments: String) {
            let status = Processes.system(
                "DANECTL='\(Danectl.path)' '\(Repository.path("Tests/lab/lab.sh"))' \(arguments) > /dev/null 2>&1 < /dev/null"
            )
            XCTAssertEqual(status, 0, "lab.sh \(arguments)")
        }
        func verifyPasses(_ step: String, tlsaCount: Int) throws {
            let result = try Danectl.run(["verify", "--resolver", lab.resolver, "--format", "json", "walk.test"])
            XCTAssertEqual(result.status, 0, "\(step): verify must pass\n\(result.stdout)")
            let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let hosts = (document["domains"] as? [[String: Any]])?.first?["hosts"] as? [[String: Any]]
            XCTAssertEqual((hosts?.first?["tlsa"] as? [Any])?.count, tlsaCount, "\(step): live TLSA records")
        }

        try verifyPasses("before", tlsaCount: 1)
        let both = try write("both.yaml", current: "ee", next: "next")
        labCommand("publish '\(lab.folder)' walk.test '\(both)'")
        try verifyPasses("published current + next", tlsaCount: 2)

        let (early, _) = try check(both)
        XCTAssertEqual(early.status, 75, "the gate must refuse before 2 x TTL: \(early.stdout)")
        try Self.ageEvidence(both + ".rollover.json", by: 610)
        let (late, _) = try check(both)
        XCTAssertEqual(late.status, 0, "the gate must open after 2 x TTL: \(late.stdout)")

        labCommand("swap '\(lab.folder)' next")
        defer { labCommand("swap '\(lab.folder)' ee") }
        let (after, afterHost) = try check(both, ["--after"])
        XCTAssertEqual(after.status, 0, "the new key must be live: \(afterHost)")
        try verifyPasses("new certificate deployed", tlsaCount: 2)

        let retired = try write("retired.yaml", current: "next", next: nil)
        labCommand("publish '\(lab.folder)' walk.test '\(retired)'")
        try verifyPasses("old hash removed", tlsaCount: 1)
    }

    func testPreflightCatchesACombinationPublishedOnlyForTheNextKey() throws {
        // preflight.test has 3 1 1 for both keys but 3 1 2 only for the next one.
        let (_, path) = try description("preflight.test", current: "ee", next: "next")
        let (result, host) = try check(path, ["--now", Self.time(3600)])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(
            (host["reasons"] as? [String])?.first?.hasPrefix(
                "the live set has 3 1 2 records but none for the key in service") == true, "\(host)")
    }

    func testEveryCertificateInServiceMustBeCovered() throws {
        // dual.test's MX serves an ECDSA and an RSA certificate; only the ECDSA key is published.
        let lab = try XCTUnwrap(Self.lab)
        let folder = try TemporaryFolder()
        folders.append(folder)
        let path = try folder.write(
            "dual.yaml",
            """
            domain: dual.test
            mx: [{host: mx.dual.test, certificate: [\(lab.certificates)/ee.pem, \(lab.certificates)/rsa.pem], next: \(lab.certificates)/next.pem}]
            """)
        let (result, host) = try check(path, ["--now", Self.time(3600)])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(
            (host["reasons"] as? [String])?.first?.hasPrefix(
                "a key in service is not covered: _25._tcp.mx.dual.test. IN TLSA 3 1 1 ") == true, "\(host)")
        // generate publishes a record for each certificate in service, and the next key.
        let generated = try Danectl.run(["generate", path])
        XCTAssertEqual(generated.stdout.components(separatedBy: " IN TLSA 3 1 1 ").count - 1, 3, generated.stdout)
    }
}
