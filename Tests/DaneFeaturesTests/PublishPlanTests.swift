import DaneFeatures
import DaneModel
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
                let soa = SOAData(primary: DNSName(presentation: "ns1.example.test")!, mailbox: DNSName(presentation: "hostmaster.example.test")!,
                                  serial: 7, refresh: 3600, retry: 600, expire: 86400, minimum: 60)
                var response = DNSResponse(code: .noError, authenticated: false, answer: [DNSRecord(owner: name, type: .soa, ttl: 300, data: .soa(soa))])
                response.authoritative = true
                return response
            }
            if type == .dnskey { return DNSResponse(code: .noError, authenticated: false, answer: dnskey) }
            return DNSResponse(code: .noError, authenticated: false, answer: (served[name.fqdn] ?? []).filter { $0.type == type || $0.type == .cname })
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
        primary.served[owner.fqdn] = [DNSRecord(owner: owner, type: .cname, ttl: 300, data: .name(DNSName(presentation: "tlsa.elsewhere.test")!))]
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
        primary.dnskey = [DNSRecord(owner: zone, type: .dnskey, ttl: 300, data: .dnskey(DNSKEYData(flags: 257, protocol: 3, algorithm: 13, publicKey: [1, 2, 3])))]
        XCTAssertEqual(try PublishRun.run(request, world: .scripted(ScriptedDNS()), server: primary).warnings.map(\.code), [])
    }
}
