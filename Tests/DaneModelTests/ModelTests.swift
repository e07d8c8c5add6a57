import DaneModel
import XCTest

final class DNSNameTests: XCTestCase {
    func testHostNamesAreCheckedAndLowercased() throws {
        XCTAssertEqual(try DNSName(hostName: "MX1.Example.COM.").fqdn, "mx1.example.com.")
        for bad in [
            "", ".", "a..b", "-a.example", "a-.example", "mx_1.example.com", "ex ample.com", "bücher.example",
            "192.0.2.1",
            String(repeating: "a", count: 64) + ".example",
        ] {
            XCTAssertThrowsError(try DNSName(hostName: bad), "\(bad) should be refused")
        }
    }

    func testCanonicalOrderFollowsRFC4034() throws {
        let names = try ["z.example", "example", "a.example", "yljkjljk.a.example", "Z.a.example", "zABC.a.EXAMPLE"]
            .map { try DNSName(hostName: $0) }
        XCTAssertThrowsError(try DNSName(hostName: "*.z.example"), "a wildcard is not a host name")
        XCTAssertEqual(
            names.sorted().map(\.fqdn),
            ["example.", "a.example.", "yljkjljk.a.example.", "z.a.example.", "zabc.a.example.", "z.example."])
    }

    func testTLSAOwnerName() throws {
        XCTAssertEqual(
            TLSAEndpoint(host: try DNSName(hostName: "mx.example.com")).owner.fqdn, "_25._tcp.mx.example.com.")
    }
}

final class TLSAParameterTests: XCTestCase {
    func testNumbersAndMnemonicsParse() {
        XCTAssertEqual(TLSAParameters(text: "3 1 1"), .recommended)
        XCTAssertEqual(TLSAParameters(text: "dane-ee spki sha2-256"), .recommended)
        XCTAssertEqual(TLSAParameters(text: "2 0 2")?.mnemonic, "DANE-TA Cert SHA2-512")
        XCTAssertNil(TLSAParameters(text: "3 1"))
        XCTAssertNil(TLSAParameters(text: "3 1 256"))
        XCTAssertEqual(TLSAParameters(text: "4 1 1")?.usage.rawValue, 4, "unknown values stay representable")
    }

    func testSMTPUsabilityFollowsRFC7672() {
        for text in ["3 1 1", "3 0 1", "3 1 2", "2 1 1", "2 0 0"] {
            XCTAssertTrue(SMTPUsability.verdict(for: TLSAParameters(text: text)!).isUsable, text)
        }
        for text in ["0 0 1", "1 1 1", "4 1 1", "3 2 1", "3 1 3"] {
            XCTAssertFalse(SMTPUsability.verdict(for: TLSAParameters(text: text)!).isUsable, text)
        }
        guard case .unusable(let reason) = SMTPUsability.verdict(for: TLSAParameters(text: "1 1 1")!) else {
            return XCTFail()
        }
        XCTAssertTrue(reason.contains("RFC 7672"), reason)
    }

    func testPresentationIsLowercaseHex() {
        let data = TLSARecordData(parameters: .recommended, associationData: [0xAB, 0x01, 0xff])
        XCTAssertEqual(data.description, "3 1 1 ab01ff")
    }
}

final class TLSRPTTests: XCTestCase {
    func testRecordText() throws {
        let policy = try TLSRPTPolicy(reportURIs: ["mailto:tlsrpt@example.com", "https://r.example.com/x"])
        XCTAssertEqual(policy.recordText, "v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://r.example.com/x")
        XCTAssertEqual(
            TLSRPTPolicy.ownerName(domain: try DNSName(hostName: "example.com")).fqdn, "_smtp._tls.example.com.")
    }

    func testURIsAreChecked() {
        for good in [
            "mailto:a@example.com", "mailto:a@example.com?subject=tlsrpt", "https://example.com",
            "https://r.example.com:8443/p?q=1",
            "mailto:a%2Cb@example.com",
        ] {
            XCTAssertNoThrow(try TLSRPTPolicy.check(good), good)
        }
        for bad in [
            "http://example.com", "ftp://x.example", "mailto:", "mailto:nobody", "https://",
            "mailto:a@b.example,c@d.example",
            "mailto:a@b.example;x", "https://example.com/a b", "mailto:ü@example.com",
        ] {
            XCTAssertThrowsError(try TLSRPTPolicy.check(bad), bad)
        }
        XCTAssertThrowsError(try TLSRPTPolicy(reportURIs: []))
    }
}

final class TXTCharacterStringTests: XCTestCase {
    func testChunksAt255BytesAndEscapes() {
        XCTAssertEqual(TXTCharacterStrings.presentation("a\"b\\c"), "\"a\\\"b\\\\c\"")
        let long = String(repeating: "x", count: 600)
        let parts = TXTCharacterStrings.chunks(long)
        XCTAssertEqual(parts.map(\.count), [255, 255, 90])
        XCTAssertEqual(TXTCharacterStrings.presentation(long).components(separatedBy: "\" \"").count, 3)
        XCTAssertEqual(TXTCharacterStrings.chunks(String(repeating: "y", count: 255)).count, 1)
    }
}
