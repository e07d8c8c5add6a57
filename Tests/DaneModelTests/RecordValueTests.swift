import DaneModel
import XCTest

/// Desired records are values (`ResourceRecord` carries `RecordData`): these pin the one
/// printer and the parsers that read signed text back.
final class RecordValueTests: XCTestCase {
    func testSignatureTimesReadBackExactly() {
        var generator = SystemRandomNumberGenerator()
        let fixed: [UInt32] = [0, 1, 951_782_400, 1_798_761_600, UInt32.max]
        let random: [UInt32] = (0..<2000).map { _ in UInt32.random(in: 0...UInt32.max, using: &generator) }
        for seconds in fixed + random {
            let text = RRSIGData.timeText(seconds)
            XCTAssertEqual(RRSIGData.seconds(timeText: text), seconds, text)
        }
        XCTAssertNil(RRSIGData.seconds(timeText: "20261301000000"), "month 13")
        XCTAssertNil(RRSIGData.seconds(timeText: "2026120100000"), "13 digits")
        XCTAssertNil(RRSIGData.seconds(timeText: "2026120100000x"))
    }

    func testSignaturePresentationRoundTrips() throws {
        let text =
            "TLSA 13 4 300 20270101000000 20261201000000 12345 example.test. "
            + Data((0..<64).map { UInt8($0) }).base64EncodedString()
        let signature = try XCTUnwrap(RRSIGData(presentation: text))
        XCTAssertEqual(signature.typeCovered, .tlsa)
        XCTAssertEqual(signature.keyTag, 12345)
        XCTAssertEqual(signature.signature.count, 64)
        XCTAssertEqual(RecordData.rrsig(signature).presentation, text)
        XCTAssertNil(RRSIGData(presentation: "TLSA 13 4 300 2027 20261201000000 12345 example.test. AAAA"))
        XCTAssertNil(RRSIGData(presentation: "TLSA 13 4 300"))
    }

    func testRecordsSortAndPrintFromTheirValues() throws {
        let zone = DNSName(labels: ["example", "test"])
        let owner = DNSName(labels: ["_25", "_tcp", "mx", "example", "test"])
        let tlsa = ResourceRecord(
            zone: zone, owner: owner, ttl: 300, type: .tlsa,
            data: .tlsa(try TLSARecordData(presentation: "3 1 1 " + String(repeating: "AB", count: 32))))
        XCTAssertEqual(
            tlsa.presentation.lowercased(),
            "_25._tcp.mx.example.test. 300 in tlsa 3 1 1 " + String(repeating: "ab", count: 32))
        let text = String(repeating: "x", count: 300)
        let txt = ResourceRecord(
            zone: zone, owner: zone, ttl: 300, type: .txt, data: .txt(TXTCharacterStrings.chunks(text)))
        XCTAssertEqual(txt.rdataPresentation, TXTCharacterStrings.presentation(text), "one TXT printer")
        let mx = ResourceRecord(
            zone: zone, owner: zone, ttl: 300, type: .mx,
            data: .mx(preference: 10, exchange: DNSName(labels: ["mx", "example", "test"])))
        XCTAssertEqual(mx.presentation, "example.test. 300 IN MX 10 mx.example.test.")
        let signature = try XCTUnwrap(
            RRSIGData(presentation: "MX 13 2 300 20270101000000 20261201000000 1 example.test. AAAA"))
        let rrsig = ResourceRecord(zone: zone, owner: zone, ttl: 300, type: .rrsig, data: .rrsig(signature))
        XCTAssertEqual([rrsig, txt, mx].sorted(), [mx, rrsig, txt], "an RRSIG sorts right after the RRset it covers")
    }
}
