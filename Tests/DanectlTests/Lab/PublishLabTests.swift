import DaneFeatures
import DaneModel
import Foundation
import LDNSKit
import XCTest

/// `danectl publish` against real primaries (Tests/lab/primaries.sh): BIND named on
/// 127.53.1.1 and Knot knotd on 127.53.1.2, each with a TSIG key, an unsigned dynamic zone
/// (dyn.test), a zone the server signs itself (auto.test) and one that refuses updates
/// (static.test). `dig` confirms what is served; `ldns-verify-zone` checks the signed zone.
final class PublishLabTests: XCTestCase {
    nonisolated(unsafe) static var folder: String?
    static let servers = [("BIND", "127.53.1.1"), ("Knot", "127.53.1.2")]
    /// Kept until the test ends: XCTest keeps every test case object alive for the whole run,
    /// so folders held here are removed in tearDown, not when the object goes.
    var folders: [TemporaryFolder] = []

    override func tearDown() {
        folders.removeAll()
        super.tearDown()
    }

    override class func setUp() {
        super.setUp()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "danectl-primaries-\(UUID().uuidString)"
        ).path
        let status = Processes.system(
            "DANECTL_LAB_OWNER=\(getpid()) '\(Repository.path("Tests/lab/primaries.sh"))' up '\(path)' > '\(path).log' 2>&1 < /dev/null"
        )
        if status == 0 {
            folder = path
        } else {
            XCTFail(
                "the primaries did not start:\n" + ((try? String(contentsOfFile: path + ".log", encoding: .utf8)) ?? "")
            )
        }
    }

    override class func tearDown() {
        if let folder {
            _ = Processes.system("'\(Repository.path("Tests/lab/primaries.sh"))' down '\(folder)' > /dev/null 2>&1")
            try? FileManager.default.removeItem(atPath: folder)
            try? FileManager.default.removeItem(atPath: folder + ".log")
        }
        super.tearDown()
    }

    func primaries() throws -> String { try XCTUnwrap(Self.folder, "the primaries are not running") }

    /// A description of ZONE with one MX host; `next` adds a second TLSA, `priority` the MX.
    func description(_ zone: String, next: Bool = false, priority: Int = 10, rua: String = "tlsrpt") throws -> String {
        let folder = try TemporaryFolder()
        folders.append(folder)
        let certificates = Repository.path("Examples/example.com/certs")
        return try folder.write(
            "\(zone).yaml",
            """
            domain: \(zone)
            ttl: 300
            mx:
              - host: mx.\(zone)
                priority: \(priority)
                certificate: \(certificates)/mx1.pem
            \(next ? "    next: \(Repository.path("Examples/hosting-provider/certs/mx1-next.pub"))" : "")
            tlsrpt: {rua: ["mailto:\(rua)@\(zone)"]}
            """)
    }

    func publish(
        _ file: String, _ server: String, _ extra: [String] = [], key: String = "tsig.key"
    ) throws -> ProcessResult {
        try Danectl.run(
            ["publish", file, "--server", server, "--tsig-key", try primaries() + "/" + key, "--timeout", "5"] + extra)
    }

    func dig(_ server: String, _ name: String, _ type: String, _ extra: [String] = []) throws -> [String] {
        let result = try Processes.run("dig", ["+short", "+time=2", "+tries=1", "@" + server, name, type] + extra)
        return result.stdout.split(separator: "\n").map(String.init).sorted()
    }

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func testPublishRepublishChangeAndKeepWhatIsNotOurs() throws {
        for (name, server) in Self.servers {
            let zone = "dyn.test"
            let first = try description(zone)
            let dry = try publish(first, server, ["--dry-run", "--expect-no-changes", "--format", "json"])
            XCTAssertEqual(
                dry.status, 1, "\(name): --expect-no-changes with changes pending\n\(dry.stdout)\(dry.stderr)")
            try SchemaCheck.assertValid(dry.stdout, "publish", "\(name) dry run")
            let planned = try XCTUnwrap((try json(dry.stdout)["zones"] as? [[String: Any]])?.first)
            XCTAssertEqual(planned["state"] as? String, "planned")
            XCTAssertEqual(
                (planned["changes"] as? [[String: Any]])?.map { "\($0["action"]!) \($0["type"]!)" }.sorted(),
                ["add TLSA", "add TXT"],
                "\(name): the MX already matches; TLSA and TLS-RPT are new")
            XCTAssertEqual(try dig(server, "_25._tcp.mx.\(zone)", "TLSA"), [], "\(name): a dry run sends nothing")

            let applied = try publish(first, server)
            XCTAssertEqual(applied.status, 0, "\(name): publish\n\(applied.stdout)\(applied.stderr)")
            XCTAssertTrue(applied.stdout.contains("applied: serial 1 -> "), applied.stdout)
            XCTAssertEqual(
                try dig(server, "_25._tcp.mx.\(zone)", "TLSA").count, 1, "\(name): the TLSA record is served")
            XCTAssertEqual(try dig(server, "_smtp._tls.\(zone)", "TXT"), ["\"v=TLSRPTv1; rua=mailto:tlsrpt@\(zone)\""])

            let servedSOA = try dig(server, zone, "SOA")
            let again = try publish(first, server, ["--expect-no-changes"])
            XCTAssertEqual(again.status, 0, "\(name): re-publish finds nothing to do\n\(again.stdout)\(again.stderr)")
            XCTAssertTrue(again.stdout.contains("no changes"), again.stdout)
            // Issue 22: the key is proven on every run, even with nothing to change.
            let rotated = try publish(first, server, ["--expect-no-changes"], key: "wrong-secret.key")
            XCTAssertEqual(
                rotated.status, 77,
                "\(name): a wrong key fails even when the zone matches\n\(rotated.stdout)\(rotated.stderr)")
            XCTAssertTrue(rotated.stderr.contains("BADSIG"), rotated.stderr)
            XCTAssertEqual(
                try dig(server, zone, "SOA"), servedSOA, "\(name): proving the key changes nothing, not even the serial"
            )

            // The rollover step: current + next, a new MX priority, another TLS-RPT address.
            let second = try description(zone, next: true, priority: 20, rua: "reports")
            let plan = try publish(second, server, ["--dry-run", "--format", "json"])
            let changes = try XCTUnwrap(
                (try json(plan.stdout)["zones"] as? [[String: Any]])?.first?["changes"] as? [[String: Any]])
            let mx = try XCTUnwrap(changes.first { $0["type"] as? String == "MX" })
            XCTAssertEqual(mx["action"] as? String, "replace")
            XCTAssertEqual(mx["old"] as? [String], ["10 mx.\(zone)."])
            XCTAssertEqual(mx["new"] as? [String], ["20 mx.\(zone)."])
            let tlsa = try XCTUnwrap(changes.first { $0["type"] as? String == "TLSA" })
            XCTAssertEqual((tlsa["added"] as? [String])?.count, 1, "\(name): only the next key's hash is added")
            XCTAssertEqual((tlsa["removed"] as? [String])?.count, 0)
            let changed = try publish(second, server)
            XCTAssertEqual(changed.status, 0, "\(name): publish the change\n\(changed.stdout)\(changed.stderr)")
            XCTAssertEqual(try dig(server, zone, "MX"), ["20 mx.\(zone)."])
            XCTAssertEqual(try dig(server, "_25._tcp.mx.\(zone)", "TLSA").count, 2)
            XCTAssertEqual(
                try dig(server, "keep.\(zone)", "TXT"), ["\"not danectl's: publish must leave this alone\""],
                "\(name): a record danectl does not own is intact")
            XCTAssertEqual(try dig(server, "mx.\(zone)", "A"), ["127.25.0.1"])

            // Back to the first description: the next hash is retired.
            XCTAssertEqual(try publish(first, server).status, 0)
            XCTAssertEqual(try dig(server, "_25._tcp.mx.\(zone)", "TLSA").count, 1, "\(name): the retired hash is gone")
            XCTAssertEqual(try publish(first, server, ["--dry-run", "--expect-no-changes"]).status, 0)
        }
    }

    func testAZoneTheServerSignsIsServedSignedBeforePublishReturns() throws {
        for (name, server) in Self.servers {
            let zone = "auto.test"
            let result = try publish(try description(zone), server, ["--format", "json"])
            XCTAssertEqual(result.status, 0, "\(name): \(result.stdout)\(result.stderr)")
            try SchemaCheck.assertValid(result.stdout, "publish", "\(name) signed zone")
            let published = try XCTUnwrap((try json(result.stdout)["zones"] as? [[String: Any]])?.first)
            XCTAssertEqual(published["signed_by_server"] as? Bool, true)
            XCTAssertEqual(published["state"] as? String, "applied")
            let before = try XCTUnwrap(published["serial_before"] as? Int),
                after = try XCTUnwrap(published["serial_after"] as? Int)
            XCTAssertGreaterThan(after, before, "\(name): a new serial")
            let signed = try dig(server, "_25._tcp.mx.\(zone)", "TLSA", ["+dnssec"])
            XCTAssertTrue(signed.contains { $0.hasPrefix("TLSA 13 ") }, "\(name): the TLSA RRset is signed: \(signed)")
            // The whole signed zone, as transferred, verifies.
            let transfer = try Processes.run("dig", ["+noall", "+answer", "+time=2", "@" + server, zone, "AXFR"])
            let folder = try TemporaryFolder()
            folders.append(folder)
            let file = try folder.write("\(zone).zone", transfer.stdout)
            let verify = try Processes.run("ldns-verify-zone", [file])
            XCTAssertEqual(verify.status, 0, "\(name): ldns-verify-zone\n\(verify.stdout)\(verify.stderr)")
        }
    }

    func testEachRefusalHasItsOwnStatusAndNothingIsApplied() throws {
        for (name, server) in Self.servers {
            let file = try description("dyn.test", priority: 30)
            let before = try dig(server, "dyn.test", "MX")
            let badSecret = try publish(file, server, key: "wrong-secret.key")
            XCTAssertEqual(badSecret.status, 77, "\(name): \(badSecret.stderr)")
            XCTAssertTrue(badSecret.stderr.contains("BADSIG"), badSecret.stderr)
            let unknown = try publish(file, server, key: "unknown.key")
            XCTAssertEqual(unknown.status, 77, "\(name): \(unknown.stderr)")
            XCTAssertTrue(unknown.stderr.contains("BADKEY"), unknown.stderr)
            // A clock an hour behind (libfaketime): the server answers BADTIME.
            let skewed = try Processes.run(
                "faketime",
                [
                    "-f", "-1h", Danectl.path, "publish", file, "--server", server,
                    "--tsig-key", try primaries() + "/tsig.key", "--timeout", "5",
                ])
            XCTAssertEqual(skewed.status, 77, "\(name): \(skewed.stderr)")
            XCTAssertTrue(skewed.stderr.contains("BADTIME"), skewed.stderr)
            XCTAssertEqual(try dig(server, "dyn.test", "MX"), before, "\(name): a rejected update changes nothing")

            let notServed = try publish(try description("nothere.test"), server)
            XCTAssertEqual(notServed.status, 68, "\(name): \(notServed.stderr)")
            XCTAssertTrue(notServed.stderr.contains(" [nohost-not-serving-zone]\n"), notServed.stderr)

            // BIND says REFUSED; Knot answers an acl without this key with BADKEY.
            let refused = try publish(try description("static.test"), server)
            XCTAssertEqual(refused.status, name == "BIND" ? 78 : 77, "\(name): \(refused.stderr)")
            XCTAssertEqual(try dig(server, "_25._tcp.mx.static.test", "TLSA"), [])
        }
        let timeout = try Danectl.run([
            "publish", try description("dyn.test"), "--server", "127.53.1.99", "--tsig-key",
            try primaries() + "/tsig.key", "--timeout", "1",
        ])
        XCTAssertEqual(timeout.status, 69, "nothing listens there: \(timeout.stderr)")
    }

    /// Someone changes the TLSA RRset between publish's read and its UPDATE: the prerequisite
    /// fails, nothing of publish's change is applied, the other change stays, status 75.
    func testAConcurrentChangeFailsThePrerequisiteInsteadOfBeingOverwritten() throws {
        let folder = try primaries()
        let secret = try XCTUnwrap(
            try String(contentsOfFile: folder + "/tsig.key", encoding: .utf8)
                .split(separator: "\"").dropFirst(3).first.map(String.init))
        for (name, server) in Self.servers {
            let zone = "race.test"
            XCTAssertEqual(try publish(try description(zone), server).status, 0)
            let meddler = "3 1 1 " + String(repeating: "ee", count: 32)
            let meddling = MeddlingPrimary(real: try LivePrimary(address: server, timeout: 5)) {
                let script = "server \(server)\nupdate add _25._tcp.mx.\(zone). 300 IN TLSA \(meddler)\nsend\n"
                let update = try? Processes.run(
                    "nsupdate", ["-y", "hmac-sha256:danectl-key:\(secret)"], stdin: Data(script.utf8))
                XCTAssertEqual(update?.status, 0, "nsupdate: \(update?.stderr ?? "")")
            }
            var request = PublishRequest(file: try description(zone, next: true), server: server)
            request.tsigKey = folder + "/tsig.key"
            request.timeout = 5
            let outcome = try PublishRun.run(request, world: .live, server: meddling)
            XCTAssertEqual(
                outcome.failure?.code, "later-changed-meanwhile", "\(name): \(outcome.failure?.message ?? "applied")")
            XCTAssertEqual(ExitStatus(stoppedBy: DiagnosticError(try XCTUnwrap(outcome.failure))), .tryLater)
            let served = try dig(server, "_25._tcp.mx.\(zone)", "TLSA")
            XCTAssertEqual(served.count, 2, "\(name): the original and the meddler's record, not publish's: \(served)")
            XCTAssertTrue(
                served.contains {
                    $0.lowercased().replacingOccurrences(of: " ", with: "").hasSuffix(
                        String(repeating: "ee", count: 32))
                })
            // Run again: publish plans from what is served now and removes the stranger.
            XCTAssertEqual(try publish(try description(zone), server).status, 0)
            XCTAssertEqual(try dig(server, "_25._tcp.mx.\(zone)", "TLSA").count, 1)
        }
    }
}

extension PublishLabTests {
    /// The tests' octoDNS (scripts/install-deps makes it); missing is a failure, not a skip.
    static var octoDNS: String {
        (ProcessInfo.processInfo.environment["DANECTL_TEST_VENV"] ?? Repository.path(".venv-test")) + "/bin/"
    }

    /// README's "hosted DNS" path: generate --format octodns, combine with a hand-kept zone in
    /// one octoDNS config, octodns-validate, octodns-sync --doit into the primary through
    /// octodns-bind's RFC 2136 provider; then verify (validating from the zone's own DNSKEY)
    /// reports no drift, and publish has nothing left to do.
    func testOctoDNSPushesDanectlsRecordsAndVerifyFindsNoDrift() throws {
        let primaries = try primaries()
        XCTAssertTrue(
            FileManager.default.isExecutableFile(atPath: Self.octoDNS + "octodns-sync"),
            "octoDNS is missing from \(Self.octoDNS): run scripts/install-deps")
        let secret = try XCTUnwrap(
            try String(contentsOfFile: primaries + "/tsig.key", encoding: .utf8).split(separator: "\"").dropFirst(3)
                .first)
        for (name, server) in Self.servers {
            let zone = "octo.test"
            let file = try description(zone)
            let folder = try TemporaryFolder()
            folders.append(folder)
            let generated = try Danectl.run(["generate", file, "--format", "octodns", "-o", folder.path + "/danectl/"])
            XCTAssertEqual(generated.status, 0, generated.stderr)
            _ = try folder.write(
                "hand/\(zone).yaml",
                """
                ---
                keep:
                  type: TXT
                  value: not danectl's
                mx:
                  type: A
                  value: 127.25.0.1
                ns:
                  type: A
                  value: 127.53.1.1
                """)
            let config = try folder.write(
                "config.yaml",
                """
                providers:
                  danectl:
                    class: octodns.provider.yaml.YamlProvider
                    directory: \(folder.path)/danectl
                  hand:
                    class: octodns.provider.yaml.YamlProvider
                    directory: \(folder.path)/hand
                  primary:
                    class: octodns_bind.Rfc2136Provider
                    strict_supports: true
                    host: \(server)
                    key_name: danectl-key
                    key_secret: \(secret)
                    key_algorithm: hmac-sha256
                zones:
                  \(zone).:
                    sources: [hand, danectl]
                    targets: [primary]
                """)
            let validate = try Processes.run(Self.octoDNS + "octodns-validate", ["--config-file", config])
            XCTAssertEqual(validate.status, 0, "\(name): octodns-validate\n\(validate.stdout)\(validate.stderr)")
            let sync = try Processes.run(Self.octoDNS + "octodns-sync", ["--config-file", config, "--doit"])
            XCTAssertEqual(sync.status, 0, "\(name): octodns-sync\n\(sync.stdout)\(sync.stderr)")
            XCTAssertEqual(
                try dig(server, "_25._tcp.mx.\(zone)", "TLSA").count, 1, "\(name): octoDNS pushed the TLSA record")
            XCTAssertEqual(try dig(server, "keep.\(zone)", "TXT"), ["\"not danectl's\""])

            let anchor = try folder.write(
                "anchor.key", try Processes.run("dig", ["+noall", "+answer", "@" + server, zone, "DNSKEY"]).stdout)
            let verify = try Danectl.run([
                "verify", file, "--resolver", server, "--trust-anchor", anchor, "--dns-only",
                "--expect-no-changes", "--warn-days", "0", "--format", "json", "--timeout", "3",
            ])
            XCTAssertEqual(verify.status, 0, "\(name): verify after octodns-sync\n\(verify.stdout)\(verify.stderr)")
            let domains = try XCTUnwrap(try json(verify.stdout)["domains"] as? [[String: Any]])
            XCTAssertEqual((domains.first?["drift"] as? [Any])?.count, 0, "\(name): no drift")
            XCTAssertEqual(
                try publish(file, server, ["--dry-run", "--expect-no-changes"]).status, 0, "\(name): publish agrees")
        }
    }

    /// `generate --format nsupdate` run by BIND's nsupdate with the TSIG key: afterwards the
    /// primary serves exactly the description (publish finds nothing to do).
    func testNSUpdateScriptAppliesTheDescription() throws {
        let primaries = try primaries()
        for (name, server) in Self.servers {
            let file = try description("script.test", next: true)
            let script = try Danectl.run(["generate", file, "--format", "nsupdate"])
            XCTAssertEqual(script.status, 0, script.stderr)
            let run = try Processes.run(
                "nsupdate", ["-k", primaries + "/tsig.key"], stdin: Data(("server \(server)\n" + script.stdout).utf8))
            XCTAssertEqual(run.status, 0, "\(name): nsupdate\n\(run.stdout)\(run.stderr)")
            XCTAssertEqual(try dig(server, "_25._tcp.mx.script.test", "TLSA").count, 2)
            let check = try publish(file, server, ["--dry-run", "--expect-no-changes"])
            XCTAssertEqual(check.status, 0, "\(name): served = described\n\(check.stdout)")
        }
    }
}

/// The real primary, with someone else's update slipped in just before ours.
struct MeddlingPrimary: PrimaryServer {
    let real: LivePrimary
    let meddle: @Sendable () -> Void
    var address: String { real.address }
    func query(_ name: DNSName, _ type: RRType) throws(ResolverError) -> DNSResponse { try real.query(name, type) }
    func send(_ message: UpdateMessage, key: TSIGKey) throws(ResolverError) -> UpdateSender.Answer {
        meddle()
        return try real.send(message, key: key)
    }
}
