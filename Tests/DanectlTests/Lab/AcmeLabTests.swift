import Foundation
import XCTest

/// Renewals with the ACME clients operators run, end to end on the lab: Debian's pebble
/// issues, certbot and lego ask, `danectl rollover prepare/deploy` decide, Postfix serves
/// acme.test's MX (127.25.0.9) from the files deploy swaps, and verify and posttls-finger
/// judge the result as senders do. Time moves by ageing the recorded evidence.
final class AcmeLabTests: LabTestCase {
    /// Kept until the test ends: XCTest keeps every test case object alive for the whole run,
    /// so folders held here are removed in tearDown, not when the object goes.
    var folders: [TemporaryFolder] = []

    override func tearDown() {
        folders.removeAll()
        super.tearDown()
    }

    struct Walk {
        let lab: TestLab
        let folder: TemporaryFolder
        let description: String
        var served: String { lab.folder + "/acme/served.pem" }
        var servedKey: String { lab.folder + "/acme/served.key" }
    }

    /// A description of acme.test whose MX serves the lab's acme files, with `next` at NEXT.
    func walk(next: String? = nil) throws -> Walk {
        let lab = try XCTUnwrap(Self.lab, "the test lab is not running")
        let folder = try TemporaryFolder()
        folders.append(folder)
        let description = try folder.write(
            "acme.yaml",
            """
            domain: acme.test
            ttl: 300
            mx:
              - host: mx.acme.test
                priority: 10
                certificate: \(lab.folder)/acme/served.pem
                private_key: \(lab.folder)/acme/served.key
                next: \(next ?? folder.file("next.key"))
            """)
        return Walk(lab: lab, folder: folder, description: description)
    }

    func labCommand(_ arguments: String, file: StaticString = #filePath, line: UInt = #line) {
        let status = Processes.system(
            "DANECTL='\(Danectl.path)' '\(Repository.path("Tests/lab/lab.sh"))' \(arguments) > /dev/null 2>&1 < /dev/null"
        )
        XCTAssertEqual(status, 0, "lab.sh \(arguments)", file: file, line: line)
    }

    func publish(_ walk: Walk) { labCommand("publish '\(walk.lab.folder)' acme.test '\(walk.description)'") }

    func deploy(_ walk: Walk, _ arguments: [String]) throws -> ProcessResult {
        try Danectl.run(
            [
                "rollover", "deploy", walk.description, "--resolver", walk.lab.resolver, "--timeout", "5",
                "--reload",
                "DANECTL='\(Danectl.path)' '\(Repository.path("Tests/lab/lab.sh"))' reload '\(walk.lab.folder)'",
            ] + arguments)
    }

    /// What senders see: danectl verify passes, and Postfix's own client says Verified.
    func assertSendersAuthenticate(
        _ walk: Walk, _ step: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let verify = try Danectl.run(["verify", "--resolver", walk.lab.resolver, "acme.test"])
        XCTAssertEqual(verify.status, 0, "\(step): verify\n\(verify.stdout)\(verify.stderr)", file: file, line: line)
        let resolv = try walk.folder.write("resolv.conf", "nameserver \(walk.lab.resolver)\noptions trust-ad\n")
        let finger = try Processes.run(
            "unshare",
            [
                "--mount", "--propagation", "private", "sh", "-c",
                "mount --bind \"$1\" /etc/resolv.conf && MAIL_CONFIG=\"$2\" exec posttls-finger -t 10 -c -l dane -L summary acme.test",
                "sh", resolv, walk.lab.folder + "/postfix",
            ])
        XCTAssertTrue(
            (finger.stdout + finger.stderr).contains(
                "Verified TLS connection established to mx.acme.test[127.25.0.9]:25"),
            "\(step): posttls-finger\n\(finger.stdout)\(finger.stderr)", file: file, line: line)
    }

    func certbot(_ walk: Walk, _ arguments: [String]) throws -> ProcessResult {
        let state = walk.lab.folder + "/certbot"
        return try Processes.run(
            "env",
            ["REQUESTS_CA_BUNDLE=\(walk.lab.certificates)/ca.pem", "certbot"] + arguments + [
                "--server", "https://127.0.0.1:14000/dir", "--standalone", "--http-01-port", "5402",
                "--http-01-address", "127.0.0.1",
                "--agree-tos", "--register-unsafely-without-email", "--non-interactive",
                "--config-dir", state + "/config", "--work-dir", state + "/work", "--logs-dir", state + "/logs",
            ])
    }

    /// Issues a certificate for a CSR with certbot (`certonly --csr`), lego (`--csr`) or
    /// dehydrated (`--signcsr`).
    func issue(_ walk: Walk, csr: String, with client: String, cycle: Int) throws -> String {
        let chain = walk.folder.file("\(client)-\(cycle)-fullchain.pem")
        if client == "certbot" {
            let result = try certbot(
                walk,
                [
                    "certonly", "--csr", csr, "--cert-path", walk.folder.file("c\(cycle).pem"),
                    "--fullchain-path", chain, "--chain-path", walk.folder.file("i\(cycle).pem"),
                ])
            XCTAssertEqual(result.status, 0, "certbot --csr: \(result.stdout)\(result.stderr)")
            return chain
        }
        if client == "dehydrated" { return try dehydrated(walk, csr: csr, chain: chain) }
        let path = walk.folder.file("lego-\(cycle)")
        let result = try Processes.run(
            "env",
            [
                "LEGO_CA_CERTIFICATES=\(walk.lab.certificates)/ca.pem", "lego", "--server",
                "https://127.0.0.1:14000/dir",
                "--email", "hostmaster@acme.test", "--accept-tos", "--csr", csr, "--http",
                "--http.port", "127.0.0.1:5402", "--path", path, "run",
            ])
        XCTAssertEqual(result.status, 0, "lego --csr: \(result.stdout)\(result.stderr)")
        return path + "/certificates/mx.acme.test.crt"
    }

    /// dehydrated's `--signcsr CSR`, as README's recipe 1 runs it: ACME v2 gives the whole
    /// chain, printed after a `# CERT #` line (dehydrated 0.7's `--full-chain` would fetch the
    /// issuer from the certificate's AIA URL, which pebble's certificates do not carry).
    func dehydrated(_ walk: Walk, csr: String, chain: String) throws -> String {
        let base = walk.folder.file("dehydrated")
        try FileManager.default.createDirectory(atPath: base + "/wellknown", withIntermediateDirectories: true)
        let config = try walk.folder.write(
            "dehydrated.conf",
            """
            CA="https://127.0.0.1:14000/dir"
            BASEDIR="\(base)"
            WELLKNOWN="\(base)/wellknown"
            CHALLENGETYPE="http-01"
            CONTACT_EMAIL="hostmaster@acme.test"
            CURL_OPTS="--cacert \(walk.lab.certificates)/ca.pem"

            """)
        let registered = try Processes.run("dehydrated", ["--config", config, "--register", "--accept-terms"])
        XCTAssertEqual(registered.status, 0, "dehydrated --register: \(registered.stdout)\(registered.stderr)")
        let signed = try Processes.shell(
            "dehydrated --config '\(config)' --signcsr '\(csr)' > '\(chain)'", directory: walk.folder.path)
        XCTAssertEqual(signed.status, 0, "dehydrated --signcsr: \(signed.stdout)\(signed.stderr)")
        return chain
    }

    /// One renewal: prepare, publish current + next, issue for the CSR, deploy refused while
    /// the gate is closed, deploy once the evidence is old enough, publish (old hash retired).
    func cycle(_ walk: Walk, client: String, number: Int) throws {
        let prepared = try Danectl.run(["rollover", "prepare", walk.description])
        XCTAssertEqual(prepared.status, 0, prepared.stderr)
        publish(walk)
        try assertSendersAuthenticate(walk, "cycle \(number): current + next published")
        let chain = try issue(walk, csr: walk.folder.file("next.csr"), with: client, cycle: number)
        let before = try String(contentsOfFile: walk.served, encoding: .utf8)

        let early = try deploy(walk, ["--host", "mx.acme.test", "--certificate", chain])
        XCTAssertEqual(
            early.status, 75, "cycle \(number): the gate must hold the new key back\n\(early.stdout)\(early.stderr)")
        XCTAssertEqual(
            try String(contentsOfFile: walk.served, encoding: .utf8), before,
            "cycle \(number): nothing installed while waiting")
        try RolloverLabTests.ageEvidence(walk.description + ".rollover.json", by: 700)

        // certbot's cycles are finished as the shipped timer does it (`deploy --pending`, what
        // the early hook left); lego's by running the hook again.
        let deployed =
            client == "certbot"
            ? try Danectl.run([
                "rollover", "deploy", walk.description, "--pending", "--resolver", walk.lab.resolver, "--timeout", "5",
            ])
            : try deploy(walk, ["--host", "mx.acme.test", "--certificate", chain])
        XCTAssertEqual(deployed.status, 0, "cycle \(number): deploy\n\(deployed.stdout)\(deployed.stderr)")
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: walk.description + ".pending.json"),
            "cycle \(number): nothing left pending")
        XCTAssertEqual(
            try String(contentsOfFile: walk.served, encoding: .utf8), try String(contentsOfFile: chain, encoding: .utf8)
        )
        try assertSendersAuthenticate(walk, "cycle \(number): new certificate deployed")
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: walk.folder.file("next.key")), "cycle \(number): a fresh next key")

        publish(walk)  // current (the new key) + the fresh next: the old hash is gone
        let live = try Danectl.run(["verify", "--resolver", walk.lab.resolver, "--format", "json", "acme.test"])
        XCTAssertEqual(live.status, 0, live.stdout)
        XCTAssertEqual(
            live.stdout.components(separatedBy: "\"rdata\" : \"3 1 1 ").count - 1, 2,
            "cycle \(number): current and fresh next only")
        try assertSendersAuthenticate(walk, "cycle \(number): old hash retired")
    }

    func testTwoCyclesEachWithCertbotLegoAndDehydratedSigningTheCSR() throws {
        let walk = try self.walk()
        try cycle(walk, client: "certbot", number: 1)
        try cycle(walk, client: "certbot", number: 2)
        try cycle(walk, client: "lego", number: 3)
        try cycle(walk, client: "lego", number: 4)
        try cycle(walk, client: "dehydrated", number: 5)
        try cycle(walk, client: "dehydrated", number: 6)
    }

    /// certbot's own lineage: a renewal with a fresh, unpublished key is refused by the deploy
    /// hook and mail keeps flowing; once the lineage key is the published next key it goes in
    /// when the gate opens; renewals with --reuse-key then go in at once.
    /// The deploy hook as an operator writes it in certbot's --deploy-hook.
    func hook(_ walk: Walk) -> [String] {
        [
            Danectl.path, "rollover", "deploy", walk.description, "--certbot", "--resolver", walk.lab.resolver,
            "--timeout", "5",
            "--reload",
            "DANECTL='\(Danectl.path)' '\(Repository.path("Tests/lab/lab.sh"))' reload '\(walk.lab.folder)'",
        ]
    }

    /// A shell command line; the program itself unquoted, since certbot looks its first word up.
    func shellLine(_ words: [String]) -> String {
        ([words[0]] + words.dropFirst().map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }).joined(
            separator: " ")
    }

    func testCertbotDeployHookWithTheLineageKey() throws {
        var walk = try self.walk()
        XCTAssertEqual(try Danectl.run(["rollover", "prepare", walk.description]).status, 0)
        publish(walk)
        let served = try String(contentsOfFile: walk.served, encoding: .utf8)
        let issued = try certbot(
            walk, ["certonly", "--cert-name", "acme", "-d", "mx.acme.test", "--key-type", "ecdsa", "--force-renewal"])
        XCTAssertEqual(issued.status, 0, issued.stdout + issued.stderr)
        let lineage = walk.lab.folder + "/certbot/config/live/acme"
        // A renewal with certbot's default, a fresh key, meets the hook: refused, nothing changes.
        let refused = try Processes.run(
            "env", ["RENEWED_LINEAGE=\(lineage)", "RENEWED_DOMAINS=mx.acme.test"] + hook(walk))
        XCTAssertEqual(
            refused.status, 1, "a fresh, unpublished key must be refused\n\(refused.stdout)\(refused.stderr)")
        XCTAssertTrue(refused.stdout.contains("neither the key in service nor the published next key"), refused.stdout)
        XCTAssertEqual(
            try String(contentsOfFile: walk.served, encoding: .utf8), served, "the old certificate keeps serving")
        try assertSendersAuthenticate(walk, "after the refused renewal")

        // Make the lineage key the next key: publish it, let the gate open, renew with it.
        walk = try self.walk(next: lineage + "/privkey.pem")
        publish(walk)
        XCTAssertEqual(
            try Danectl.run(["rollover", "check", walk.description, "--resolver", walk.lab.resolver]).status, 75)
        try RolloverLabTests.ageEvidence(walk.description + ".rollover.json", by: 700)
        let renewed = try certbot(
            walk,
            [
                "renew", "--cert-name", "acme", "--reuse-key", "--force-renewal", "--no-random-sleep-on-renew",
                "--deploy-hook", shellLine(hook(walk)),
            ])
        XCTAssertEqual(renewed.status, 0, renewed.stdout + renewed.stderr)
        XCTAssertEqual(
            try String(contentsOfFile: walk.served, encoding: .utf8),
            try String(contentsOfFile: lineage + "/fullchain.pem", encoding: .utf8),
            "the hook installed the renewal for the published key")
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: lineage + "/privkey.pem"), "certbot's own key is never removed")
        try assertSendersAuthenticate(walk, "lineage key deployed")

        // The key is now in service: a --reuse-key renewal changes no TLSA record and goes in at once.
        let before = try String(contentsOfFile: walk.served, encoding: .utf8)
        let again = try certbot(
            walk,
            [
                "renew", "--cert-name", "acme", "--reuse-key", "--force-renewal", "--no-random-sleep-on-renew",
                "--deploy-hook", shellLine(hook(walk)),
            ])
        XCTAssertEqual(again.status, 0, again.stdout + again.stderr)
        let after = try String(contentsOfFile: walk.served, encoding: .utf8)
        XCTAssertNotEqual(after, before, "a new certificate")
        XCTAssertEqual(after, try String(contentsOfFile: lineage + "/fullchain.pem", encoding: .utf8))
        try assertSendersAuthenticate(walk, "reused key renewed")

        // certbot's lineage is intact after every deploy: its own check of the next renewal passes.
        let dryRun = try certbot(walk, ["renew", "--cert-name", "acme", "--dry-run", "--no-random-sleep-on-renew"])
        XCTAssertEqual(dryRun.status, 0, "certbot renew --dry-run after the deploys: " + dryRun.stdout + dryRun.stderr)
        var info = stat()
        XCTAssertEqual(lstat(lineage + "/privkey.pem", &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFLNK, "certbot's live/ files are still its symlinks")
    }

    func testACertificateForAnotherKeyIsRefused() throws {
        let walk = try self.walk()
        XCTAssertEqual(try Danectl.run(["rollover", "prepare", walk.description]).status, 0)
        publish(walk)
        let stranger = try Processes.shell(
            """
            openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout stranger.key -out stranger.csr \
              -subj /CN=mx.acme.test -addext subjectAltName=DNS:mx.acme.test 2>/dev/null
            """, directory: walk.folder.path)
        XCTAssertEqual(stranger.status, 0)
        let chain = try issue(walk, csr: walk.folder.file("stranger.csr"), with: "certbot", cycle: 9)
        let served = try String(contentsOfFile: walk.served, encoding: .utf8)
        let refused = try deploy(
            walk, ["--host", "mx.acme.test", "--certificate", chain, "--key", walk.folder.file("stranger.key")])
        XCTAssertEqual(refused.status, 1, refused.stdout)
        XCTAssertEqual(try String(contentsOfFile: walk.served, encoding: .utf8), served)
        let wrongKey = try deploy(walk, ["--host", "mx.acme.test", "--certificate", chain, "--key", walk.servedKey])
        XCTAssertEqual(wrongKey.status, 1, wrongKey.stdout)
        XCTAssertTrue(wrongKey.stdout.contains("was not issued for the key"), wrongKey.stdout)
        try assertSendersAuthenticate(walk, "after the refused deploys")
    }
}
