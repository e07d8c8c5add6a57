import DaneModel
import LDNSKit
import XCTest

/// The single checks the chain diagnosis is made of: an algorithm no validator implements is
/// named as such (validators treat such zones as unsigned, so the lab cannot make it bogus).
final class SignatureCheckTests: XCTestCase {
    func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    func testAnAlgorithmNoValidatorImplementsIsNamed() {
        let owner = DNSName(presentation: "a.example.")!
        let zone = DNSName(presentation: "example.")!
        let rrset = [DNSRecord(owner: owner, type: .a, ttl: 300, data: .address("192.0.2.1"))]
        let key = DNSRecord(
            owner: zone, type: .dnskey, ttl: 300,
            data: RecordData(type: .dnskey, wire: be16(257) + [3, 253] + Array(repeating: 7, count: 32)))
        guard case .dnskey(let keyData) = key.data else { return XCTFail("DNSKEY did not decode") }
        let now = UInt32(Date().timeIntervalSince1970)
        let signature = DNSRecord(
            owner: owner, type: .rrsig, ttl: 300,
            data: RecordData(
                type: .rrsig,
                wire:
                    be16(RRType.a.rawValue) + [253, 2] + be32(300) + be32(now + 86_400) + be32(now - 3_600)
                    + be16(keyData.keyTag)
                    + [7] + Array("example".utf8) + [0] + Array(repeating: 1, count: 64)))
        XCTAssertEqual(SignatureCheck.verify(rrset, signature, with: key, at: Date()), .unsupportedAlgorithm)
        // ldns looks at the algorithm before the dates: out of its dates, it is still the algorithm.
        XCTAssertEqual(
            SignatureCheck.verify(rrset, signature, with: key, at: Date().addingTimeInterval(30 * 86_400)),
            .unsupportedAlgorithm)
    }
}
