import DaneFeatures
import DaneModel
import DaneTestSupport
import Foundation
import XCTest

/// publish's planning against a scripted primary: what it refuses before sending anything.
final class PublishPlanTests: XCTestCase {
    /// A primary serving example.test with whatever the test puts in `served`.
    final class ScriptedPrimary: PrimaryServer, @unchecked Sendable {
        let address = "192.0.2.53"
        var served: [String: [DNSRecord]] = [:]
        var dnskey: [DNSRecord] = []
        private(set) var updates = 0

        func query(_ name: DNSName, _ type: RRType) throws(ResolverError) -> DNSResponse {
            if type == .soa, name.fqdn == "example.test." {
                let soa = SOAData(
                    primary: DNSName(presentation: "ns1.example.test")!,
                    mailbox: DNSName(presentation: "hostmaster.example.test")!,
                    serial: 7, refresh: 3600, retry: 600, expire: 86400, minimum: 60)
                var response = DNSResponse(
                    code: .noError, authenticated: false,
                    answer: [DNSRecord(owner: name, type: .soa, ttl: 300, data: .soa(soa))])
                response.authoritative = true
                return response
            }
            if type == .dnskey { return DNSResponse(code: .noError, authenticated: false, answer: dnskey) }
            return DNSResponse(
                code: .noError, authenticated: false,
                answer: (served[name.fqdn] ?? []).filter { $0.type == type || $0.type == .cname })
        }

        func send(_ message: UpdateMessage, key: TSIGKey) throws(ResolverError) -> UpdateAnswer {
            updates += 1
            return UpdateAnswer(rcode: 0, tsigError: nil, signatureVerified: true)
        }
    }

    /// Hardening M7: a CNAME at the TLSA owner makes servers ignore the added TLSA while
    /// answering NOERROR; publish refuses in the plan, before any update.
    func testACNAMEAtTheTLSAOwnerIsRefusedBeforeAnythingIsSent() throws {
        let f = try RolloverFixture(withNext: false)
        let owner = DNSName(presentation: "_25._tcp.mx.example.test")!
        let primary = ScriptedPrimary()
        primary.served[owner.fqdn] = [
            DNSRecord(owner: owner, type: .cname, ttl: 300, data: .name(DNSName(presentation: "tlsa.elsewhere.test")!))
        ]
        var request = PublishRequest(file: f.description, server: primary.address)
        request.dryRun = true
        XCTAssertThrowsError(try PublishRun.run(request, world: .scripted(ScriptedDNS()), server: primary)) { error in
            XCTAssertEqual((error as? DiagnosticError)?.codes, ["publish-cname-at-owner"])
        }
        XCTAssertEqual(primary.updates, 0)
        primary.served = [:]
        XCTAssertNoThrow(try PublishRun.run(request, world: .scripted(ScriptedDNS()), server: primary))
    }

    /// Issue 22: pre-flight warnings before anything is sent: an MX host without an address,
    /// TLSA into a zone the server does not sign.
    func testPreflightNamesWhatCannotWork() throws {
        let f = try RolloverFixture(withNext: false)
        let primary = ScriptedPrimary()
        var request = PublishRequest(file: f.description, server: primary.address)
        request.dryRun = true
        let zone = DNSName(presentation: "example.test")!
        let host = DNSName(presentation: "mx.example.test")!
        let bare = try PublishRun.run(request, world: .scripted(ScriptedDNS()), server: primary)
        XCTAssertEqual(Set(bare.warnings.map(\.code)), ["publish-mx-no-address", "publish-tlsa-unsigned-zone"])
        primary.served[host.fqdn] = [DNSRecord(owner: host, type: .a, ttl: 300, data: .address("192.0.2.1"))]
        let addressed = try PublishRun.run(request, world: .scripted(ScriptedDNS()), server: primary)
        XCTAssertEqual(addressed.warnings.map(\.code), ["publish-tlsa-unsigned-zone"])
        var strict = request
        strict.warningsAsErrors = true
        XCTAssertThrowsError(try PublishRun.run(strict, world: .scripted(ScriptedDNS()), server: primary)) { error in
            XCTAssertEqual((error as? DiagnosticError).map { ExitStatus(stoppedBy: $0) }, .badData)
            XCTAssertEqual((error as? DiagnosticError)?.codes, ["publish-tlsa-unsigned-zone", "warnings-as-errors"])
        }
        primary.dnskey = [
            DNSRecord(
                owner: zone, type: .dnskey, ttl: 300,
                data: .dnskey(DNSKEYData(flags: 257, protocol: 3, algorithm: 13, publicKey: [1, 2, 3])))
        ]
        // Signed, but the parent has no DS (proven), is insecure, or the DS is bogus: each said.
        XCTAssertEqual(
            try PublishRun.run(request, world: .scripted(ScriptedDNS()), server: primary).warnings.map(\.code),
            ["publish-no-ds"])
        for (status, code) in [
            (DNSSECStatus.insecure, "publish-no-ds"), (.bogus, "publish-ds-bogus"), (.failed, "publish-ds-unchecked"),
        ] {
            let dns = ScriptedDNS()
            dns.answer("example.test", .ds, [], status: status)
            XCTAssertEqual(
                try PublishRun.run(request, world: .scripted(dns), server: primary).warnings.map(\.code), [code],
                "\(status)")
        }
        let delegated = ScriptedDNS()
        delegated.answer(
            "example.test", .ds,
            [.ds(DSData(keyTag: 1, algorithm: 13, digestType: 2, digest: [UInt8](repeating: 1, count: 32)))])
        XCTAssertEqual(
            try PublishRun.run(request, world: .scripted(delegated), server: primary).warnings.map(\.code), [])
        XCTAssertThrowsError(
            try PublishRun.run(strict, world: .scripted(ScriptedDNS()), server: primary), "no DS stops a strict run too"
        )
    }

    /// Issue 22: the wait of a rollover starts at the publish. Once every authoritative server
    /// serves the current and next hashes, publish records them as seen, and the gate counts
    /// from then (an hour later it is safe to deploy, with no `rollover check` in between).
    func testPublishRecordsFirstSeenOnlyWhenEveryServerServesTheHashes() throws {
        let f = try RolloverFixture(withNext: true)
        let key = f.folder + "/tsig.key"
        try "key \"publish\" { algorithm hmac-sha256; secret \"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\"; };\n"
            .write(toFile: key, atomically: true, encoding: .utf8)
        let primary = ScriptedPrimary()
        let zone = DNSName(presentation: "example.test")!
        primary.dnskey = [
            DNSRecord(
                owner: zone, type: .dnskey, ttl: 300,
                data: .dnskey(DNSKEYData(flags: 257, protocol: 3, algorithm: 13, publicKey: [1, 2, 3])))
        ]
        let host = DNSName(presentation: "mx.example.test")!
        primary.served[host.fqdn] = [DNSRecord(owner: host, type: .a, ttl: 300, data: .address("192.0.2.1"))]
        var request = PublishRequest(file: f.description, server: primary.address)
        request.tsigKey = key
        request.waitSeconds = 0
        let published = Date(timeIntervalSince1970: 1_800_000_000)

        // The name server has not caught up with the next hash: nothing is recorded, and why is said.
        let (lagging, _) = ExampleWorld.make(set: [f.current], served: f.current)
        let early = try PublishRun.run(
            request, world: .scripted(lagging, clock: FixedClock(published)), server: primary)
        XCTAssertNil(early.failure)
        XCTAssertNil(early.evidenceToWrite)
        XCTAssertTrue(early.evidenceNotes.joined().contains("does not serve"), early.evidenceNotes.joined())

        // Every server serves both: recorded at the publish time.
        let (dns, probe) = ExampleWorld.make(set: [f.current, f.next], served: f.current)
        let outcome = try PublishRun.run(
            request, world: .scripted(dns, probe, clock: FixedClock(published)), server: primary)
        let update = try XCTUnwrap(outcome.evidenceToWrite, outcome.evidenceNotes.joined())
        let (path, text) = (update.path, update.text)
        XCTAssertEqual(path, f.description + ".rollover.json")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let evidence = RolloverEvidence.load(path: path).evidence
        XCTAssertEqual(evidence.publishedSince(TLSAEndpoint(host: host), [f.current, f.next]), published)

        // The gate counts from the publish: 2 x 300 s later it opens without an earlier check.
        var check = RolloverRequest(file: f.description)
        check.now = published.addingTimeInterval(601)
        let gate = try RolloverRun.check(check, after: false, world: .scripted(dns, probe))
        XCTAssertEqual(gate.results.map(\.state), [.safe], gate.results.flatMap(\.reasons).joined(separator: "\n"))
    }
}
