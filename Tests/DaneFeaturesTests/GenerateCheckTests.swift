import DaneFeatures
import DaneModel
import DaneTestSupport
import Foundation
import XCTest

/// `generate --check`: the publish pre-flight through the validating resolver, on the
/// example.com description, against a scripted DNS.
final class GenerateCheckTests: XCTestCase {
    let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/example.com/domain.yaml").path

    func check(_ dns: ScriptedDNS) throws -> [Diagnostic] {
        var request = GenerateRequest(file: example)
        request.check = true
        return try GenerateRun.run(request, world: .scripted(dns)).warnings.filter { $0.code.hasPrefix("generate-") }
    }

    func testAnMXWithoutAddressAndAnUnsignedZoneAreNamed() throws {
        let dns = ScriptedDNS()
        dns.answer("mx1.example.com", .a, [.address("192.0.2.1")])
        let warnings = try check(dns)
        XCTAssertEqual(warnings.map(\.code), ["generate-mx-no-address", "generate-tlsa-unsigned-zone"], "\(warnings)")
        XCTAssertTrue(warnings[0].message.contains("mx2.example.com"), warnings[0].message)
        XCTAssertEqual(warnings[0].location?.line, 7, "at the MX entry in the description")
    }

    func testASignedZoneWithoutDSIsNamedAndOneWithDSPasses() throws {
        let dns = ScriptedDNS()
        for host in ["mx1.example.com", "mx2.example.com"] { dns.answer(host, .aaaa, [.address("2001:db8::1")]) }
        dns.answer(
            "example.com", .dnskey, [.dnskey(DNSKEYData(flags: 257, protocol: 3, algorithm: 13, publicKey: [1, 2, 3]))])
        XCTAssertEqual(try check(dns).map(\.code), ["generate-no-ds"])
        dns.answer(
            "example.com", .ds,
            [.ds(DSData(keyTag: 1, algorithm: 13, digestType: 2, digest: [UInt8](repeating: 7, count: 32)))])
        XCTAssertEqual(try check(dns).map(\.code), [])
    }

    func testWhatCannotBeAskedIsNotPassed() throws {
        let dns = ScriptedDNS()
        dns.answer("mx1.example.com", .a, [], status: .failed)
        dns.answer("mx2.example.com", .a, [.address("192.0.2.2")])
        dns.answer("example.com", .dnskey, [], status: .failed)
        XCTAssertEqual(try check(dns).map(\.code), ["generate-mx-unchecked", "generate-signing-unchecked"])
    }
}
