import XCTest

@testable import LDNSKit

/// The signer-line reader reads what it takes exactly as ldns does, and leaves to ldns every
/// line outside the plain one-line form.
final class SignerLinesTests: XCTestCase {
    func fast(_ line: String) -> (owner: [UInt8], rdata: [UInt8])? {
        Array(line.utf8).withUnsafeBufferPointer { SignerLineReader().readForComparison($0) }
    }

    func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    func testPlainRRSIGLinesReadAsLDNSReadsThem() throws {
        var generator = SystemRandomNumberGenerator()
        let owners = [
            "example.com.", "Mail.Example.COM.", "_25._tcp.mx-1.example.com.", "*.wild.example.", ".", "a.b.c.d.e.f.",
            String(repeating: "x", count: 63) + ".example.",
        ]
        let types = ["A", "mx", "TXT", "TLSA", "NSEC3PARAM", "TYPE65000", "DNSKEY", "SOA"]
        let timestamps = [
            "19700101000000", "20261206221856", "20240229235959", "20250231120000", "21060207062815", "21060207062816",
            "29991231235959", "20000431000000",
        ]
        var taken = 0
        for round in 0..<400 {
            let owner = owners[round % owners.count]
            let signature = (0..<Int.random(in: 1...300, using: &generator)).map { _ in UInt8.random(in: 0...255) }
            let line = [
                owner, String(UInt32.random(in: 0...2_147_483_647, using: &generator)), round % 2 == 0 ? "IN" : "in",
                round % 3 == 0 ? "rrsig" : "RRSIG", types[round % types.count], String(round % 256),
                String(round % 7), String(UInt32.random(in: 0...UInt32.max, using: &generator)),
                timestamps[round % timestamps.count], timestamps[(round + 3) % timestamps.count],
                String(UInt16.random(in: 0...UInt16.max, using: &generator)),
                round % 5 == 0 ? "Example.COM." : "example.com.", base64(signature),
            ].joined(separator: round % 4 == 0 ? " " : "\t")
            let reference = try XCTUnwrap(SignerLineReader.readWithLDNS(line), "ldns reads \(line)")
            let read = try XCTUnwrap(fast(line), "the plain form is the fast path's: \(line)")
            XCTAssertEqual(read.owner, reference.owner, line)
            XCTAssertEqual(read.rdata, reference.rdata, line)
            taken += 1
        }
        XCTAssertEqual(taken, 400)
        // A seal comment after the signature changes nothing.
        let sealed =
            "a.example. 300 IN RRSIG A 13 2 300 20261219095751 20261206221856 22856 example. AAAA\t; danectl-seal "
            + String(repeating: "0f", count: 16)
        XCTAssertEqual(fast(sealed)?.rdata, SignerLineReader.readWithLDNS(sealed)?.rdata)
    }

    func testAnythingElseIsLeftToLDNS() {
        let plain = "a.example. 300 IN RRSIG A 13 2 300 20261219095751 20261206221856 22856 example. AAAA"
        XCTAssertNotNil(fast(plain))
        for line in [
            "a 300 IN RRSIG A 13 2 300 20261219095751 20261206221856 22856 example. AAAA",  // relative owner
            "a\\.b.example. 300 IN RRSIG A 13 2 300 20261219095751 20261206221856 22856 example. AAAA",  // escape
            "a.example. 1h IN RRSIG A 13 2 300 20261219095751 20261206221856 22856 example. AAAA",  // TTL units
            "a.example. 300 CH RRSIG A 13 2 300 20261219095751 20261206221856 22856 example. AAAA",  // class
            "a.example. IN 300 RRSIG A 13 2 300 20261219095751 20261206221856 22856 example. AAAA",  // order
            "a.example. 300 IN RRSIG A ECDSAP256SHA256 2 300 20261219095751 20261206221856 22856 example. AAAA",
            "a.example. 300 IN RRSIG A 13 2 300 1797000000 20261206221856 22856 example. AAAA",  // seconds
            "a.example. 300 IN RRSIG A 13 2 300 20261319095751 20261206221856 22856 example. AAAA",  // month 13
            "a.example. 300 IN RRSIG A 13 2 300 20261219095751 20261206221856 22856 example. ( AAAA )",
            "a.example. 300 IN RRSIG A 13 2 300 20261219095751 20261206221856 22856 example. AAAA AAAA",  // 2 tokens
            "a.example. 300 IN RRSIG A 13 2 300 20261219095751 20261206221856 22856 example. QR==",  // slop bits
            "a.example. 300 IN RRSIG A 13 2 300 20261219095751 20261206221856 22856 example. AAA",  // length
            "a.example. 300 IN RRSIG A 13 2 300 20261219095751 20261206221856 22856 example. AAAA\r",  // CRLF
            "a.example. 300 IN RRSIG NOSUCHTYPE 13 2 300 20261219095751 20261206221856 22856 example. AAAA",
            "a.example. 300 IN RRSIG A 13 256 300 20261219095751 20261206221856 22856 example. AAAA",  // labels
            "a.example. 300 IN RRSIG A 13 2 300 20261219095751 20261206221856 65536 example. AAAA",  // key tag
            "a..example. 300 IN RRSIG A 13 2 300 20261219095751 20261206221856 22856 example. AAAA",  // empty label
            String(repeating: "x", count: 64)
                + ".example. 300 IN RRSIG A 13 2 300 20261219095751 20261206221856 22856 example. AAAA",
            "a.example. 300 IN TXT \"x\"",
        ] {
            XCTAssertNil(fast(line), line)
        }
    }

    func testDenialLinesAreDroppedOnlyInThePlainForm() {
        let reader = SignerLineReader()
        func kind(_ line: String) -> SignerLineReader.Kind? {
            Array(line.utf8).withUnsafeBufferPointer { reader.read($0, keepingIn: nil, zone: []) }
        }
        XCTAssertNotNil(kind("a.example. 300 IN NSEC b.example. A RRSIG NSEC"))
        XCTAssertNotNil(kind("ab.example. 300 IN NSEC3 1 0 0 - 0123456789ABCDEFGHIJKLMNOPQRSTUV A RRSIG ; comment"))
        XCTAssertNotNil(kind("example. 0 IN NSEC3PARAM 1 0 0 -"))
        XCTAssertNotNil(kind("a.example. 300 IN NSEC b.example."))
        XCTAssertNil(kind("a.example. 300 IN NSEC ( b.example. A RRSIG NSEC )"))
        XCTAssertNil(kind("a.example. 300 IN NSEC"))
        XCTAssertNil(kind("a 300 IN NSEC b.example. A"))
        // Malformed data goes to ldns, which reports it with its place; dropping it unread
        // would accept a broken file.
        for line in [
            "a.example. 300 IN NSEC b.example. A NOTATYPE", "a.example. 300 IN NSEC b..example. A",
            "ab.example. 300 IN NSEC3 1 0 0 - 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ A",  // not base32hex
            "ab.example. 300 IN NSEC3 1 0 65536 - 0123456789ABCDEFGHIJKLMNOPQRSTUV A",  // iterations
            "ab.example. 300 IN NSEC3 1 0 0 abc 0123456789ABCDEFGHIJKLMNOPQRSTUV A",  // odd salt
            "ab.example. 300 IN NSEC3 1 0 0 -", "example. 0 IN NSEC3PARAM 1 0 0", "example. 0 IN NSEC3PARAM 1 0 0 zz",
            "example. 0 IN NSEC3PARAM 1 0 0 - extra",
        ] {
            XCTAssertNil(kind(line), line)
        }
    }
}
