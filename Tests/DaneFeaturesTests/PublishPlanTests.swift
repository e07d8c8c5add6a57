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
        private(set) var updates = 0

        func query(_ name: DNSName, _ type: RRType) throws(ResolverError) -> DNSResponse {
            if type == .soa, name.fqdn == "example.test." {
                let soa = SOAData(primary: DNSName(presentation: "ns1.example.test")!, mailbox: DNSName(presentation: "hostmaster.example.test")!,
                                  serial: 7, refresh: 3600, retry: 600, expire: 86400, minimum: 60)
                var response = DNSResponse(code: .noError, authenticated: false, answer: [DNSRecord(owner: name, type: .soa, ttl: 300, data: .soa(soa))])
                response.authoritative = true
                return response
            }
            return DNSResponse(code: .noError, authenticated: false, answer: served[name.fqdn] ?? [])
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
}
