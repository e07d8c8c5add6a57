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

    /// The byte-walking parser refuses and reports exactly what the rule says, naming the label.
    func testHostNameRefusalsNameTheProblem() {
        func failure(_ text: String) -> String {
            do { _ = try DNSName(hostName: text) } catch { return error.description }
            return "accepted"
        }
        XCTAssertEqual(
            failure("mx_1.example.com"), #"label "mx_1" has "_"; host names use letters, digits and hyphens only"#)
        XCTAssertEqual(failure("a-.example"), #"label "a-" starts or ends with a hyphen"#)
        XCTAssertEqual(
            failure("bücher.example"), "the name is not ASCII; write internationalised names as A-labels (xn--...)")
        XCTAssertEqual(failure("10.0.0.1"), "the last label is all digits; that is an IP address, not a host name")
        XCTAssertEqual(try DNSName(zoneName: "_tcp.Example.com").fqdn, "_tcp.example.com.")
    }

    /// One walk gives the sign of the order; equal names compare equal whatever their case.
    func testCanonicalOrderIsThreeWay() throws {
        let (a, b) = (try DNSName(hostName: "a.example"), try DNSName(hostName: "A.Example."))
        XCTAssertEqual(DNSName.canonicalOrder(a, b), 0)
        XCTAssertLessThan(DNSName.canonicalOrder(try DNSName(hostName: "example"), a), 0)
        XCTAssertGreaterThan(DNSName.canonicalOrder(try DNSName(hostName: "b.example"), a), 0)
        XCTAssertLessThan(DNSName.canonicalOrder(a, try DNSName(hostName: "aa.example")), 0)
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

final class RecordOrderTests: XCTestCase {
    /// Duplicates go even when a record that differs only in TTL sorts between them; the rest
    /// is in canonical order, as `Set(records).sorted()` had it.
    func testSortedUniqueDropsDuplicatesAcrossRecordsEqualInOrder() throws {
        let zone = try DNSName(zoneName: "example.com")
        let mx = try DNSName(hostName: "mx.example.com")
        func record(_ ttl: UInt32, _ preference: UInt16) -> ResourceRecord {
            ResourceRecord(
                zone: zone, owner: zone, ttl: ttl, type: .mx, data: .mx(preference: preference, exchange: mx))
        }
        let tlsrpt = ResourceRecord(
            zone: zone, owner: try DNSName(zoneName: "_smtp._tls.example.com"), ttl: 300, type: .txt,
            data: .txt([Array("v=TLSRPTv1; rua=mailto:r@example.com".utf8)]))
        let input = [tlsrpt, record(3600, 10), record(300, 10), record(3600, 10), record(3600, 20), tlsrpt]
        let unique = ResourceRecord.sortedUnique(input)
        XCTAssertEqual(unique, [record(3600, 10), record(300, 10), record(3600, 20), tlsrpt])
        XCTAssertEqual(Set(unique), Set(input))
        XCTAssertEqual(unique.count, Set(input).count)
    }
}
