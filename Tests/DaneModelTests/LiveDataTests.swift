import DaneModel
import XCTest

/// Live DNS data as values: RDATA decoded from wire by type (malformed data is a value, not a
/// crash), TLSA parsed from and printed to presentation form, TLS-RPT records parsed.
final class LiveDataTests: XCTestCase {
    func testTLSARoundTripsThroughPresentationAndWire() throws {
        let text = "3 1 1 54c681d1e3c3e1d23b4a1e85e2f6a5a7b0b7d4b3b9a8f1c2d3e4f5a6b7c8d9e0"
        let record = try TLSARecordData(presentation: text)
        XCTAssertEqual(record.description, text)
        XCTAssertEqual(RecordData(type: .tlsa, wire: record.wire), .tlsa(record))
        XCTAssertEqual(
            try TLSARecordData(
                presentation: "DANE-EE SPKI SHA2-256 54C681D1 E3C3E1D2" + String(repeating: "00", count: 24)
            ).parameters, .recommended)
        XCTAssertEqual(
            try TLSARecordData(presentation: "3 1 1 54c681d1e3c3e1d23b4a1e85e2f6a5a7b0b7d4b3b9a8f1c2d3e4f5a6b7c8d9e0"),
            record)
        XCTAssertThrowsError(try TLSARecordData(presentation: "3 1 1")) {
            XCTAssertEqual($0 as? TLSARecordData.ParseError, .fieldCount(3))
        }
        XCTAssertThrowsError(try TLSARecordData(presentation: "3 1 1 xyz")) {
            XCTAssertEqual($0 as? TLSARecordData.ParseError, .hex)
        }
        XCTAssertThrowsError(try TLSARecordData(presentation: "3 1 256 00")) {
            XCTAssertEqual($0 as? TLSARecordData.ParseError, .field("256"))
        }
    }

    func testUsabilityIncludesTheDigestLength() throws {
        let short = try TLSARecordData(presentation: "3 1 1 c0ffee")
        guard case .unusable(let reason) = SMTPUsability.verdict(for: short) else {
            return XCTFail("a 3-byte SHA-256 is unusable")
        }
        XCTAssertEqual(reason, "the digest is 3 bytes; matching type 1 needs 32")
        XCTAssertEqual(
            SMTPUsability.verdict(for: try TLSARecordData(presentation: "3 1 2 " + String(repeating: "ab", count: 64))),
            .usable)
        XCTAssertFalse(
            SMTPUsability.verdict(for: try TLSARecordData(presentation: "4 1 1 " + String(repeating: "ab", count: 32)))
                .isUsable,
            "a live 4 1 1 is representable and unusable")
    }

    func testShortAndEmptyRDATAAreMalformedValues() {
        for type in [RRType.a, .aaaa, .mx, .soa, .tlsa, .rrsig, .ns, .txt, .ds, .dnskey] {
            guard case .malformed(let reason, _) = RecordData(type: type, wire: []) else {
                return XCTFail("empty \(type) decoded")
            }
            XCTAssertTrue(reason.contains("empty"), reason)
        }
        guard case .malformed(let reason, _) = RecordData(type: .a, wire: [127, 0, 0]) else {
            return XCTFail("3-byte A decoded")
        }
        XCTAssertEqual(reason, "the A record is too short for an IPv4 address")
        guard case .malformed = RecordData(type: .a, wire: [127, 0, 0, 1, 9]) else {
            return XCTFail("5-byte A decoded")
        }
    }

    func testWireDecodingOfCommonTypes() {
        XCTAssertEqual(RecordData(type: .a, wire: [192, 0, 2, 1]), .address("192.0.2.1"))
        XCTAssertEqual(
            RecordData(type: .aaaa, wire: [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1]),
            .address("2001:db8::1"))
        XCTAssertEqual(
            RecordData(type: .aaaa, wire: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]).presentation,
            "2001:db8:0:1:0:1:0:1")
        let mx = RecordData(type: .mx, wire: [0, 10, 2, 109, 120, 7, 101, 120, 97, 109, 112, 108, 101, 0])
        XCTAssertEqual(mx.presentation, "10 mx.example.")
        XCTAssertEqual(RecordData(type: .txt, wire: [3, 97, 34, 98, 0]).presentation, #""a\"b" """#)
        XCTAssertEqual(RecordData(type: RRType(rawValue: 65534), wire: []).presentation, "\\# 0")
        XCTAssertEqual(RRType(mnemonic: "tlsa"), .tlsa)
        XCTAssertEqual(RRType(mnemonic: "TYPE65534")?.description, "TYPE65534")
    }

    func testHexCodec() {
        XCTAssertEqual(Hex.decode("00fF 10"), [0, 255, 16])
        XCTAssertNil(Hex.decode("abc"))
        XCTAssertNil(Hex.decode("zz"))
        XCTAssertEqual(Hex.encode([0, 255, 16]), "00ff10")
    }

    func testTLSRPTRecordsAreParsedByRFC8460Grammar() throws {
        XCTAssertEqual(
            try TLSRPTPolicy(recordText: "v=TLSRPTv1; rua=mailto:a@example.com, https://r.example/x;").reportURIs,
            ["mailto:a@example.com", "https://r.example/x"])
        XCTAssertEqual(
            try TLSRPTPolicy(recordText: "v=TLSRPTv1;rua=mailto:a@example.com;ext_1=yes").reportURIs,
            ["mailto:a@example.com"])
        XCTAssertThrowsError(try TLSRPTPolicy(recordText: "v=tlsrptv1; rua=mailto:a@example.com")) {
            XCTAssertEqual($0 as? TLSRPTPolicy.RecordError, .version)
        }
        XCTAssertThrowsError(try TLSRPTPolicy(recordText: "v=TLSRPTv1; ruf=mailto:a@example.com")) {
            XCTAssertEqual($0 as? TLSRPTPolicy.RecordError, .noRUA)
        }
        XCTAssertThrowsError(
            try TLSRPTPolicy(recordText: "v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com")
        ) {
            XCTAssertEqual($0 as? TLSRPTPolicy.RecordError, .duplicateRUA)
        }
        XCTAssertThrowsError(try TLSRPTPolicy(recordText: "v=TLSRPTv1; rua")) {
            XCTAssertEqual($0 as? TLSRPTPolicy.RecordError, .field("rua"))
        }
        XCTAssertThrowsError(try TLSRPTPolicy(recordText: "v=TLSRPTv1; rua=gopher://x")) {
            XCTAssertEqual(
                ($0 as? TLSRPTPolicy.RecordError)?.description,
                "\"gopher://x\" is not a mailto: or https: URI (RFC 8460 §3 allows only those two)")
        }
        // The record generate writes parses back to the same policy.
        let policy = try TLSRPTPolicy(reportURIs: ["mailto:tlsrpt@example.com", "https://reports.example.com/tlsrpt"])
        XCTAssertEqual(try TLSRPTPolicy(recordText: policy.recordText), policy)
        // Among a name's TXT records: exactly one TLS-RPT record counts.
        XCTAssertNil(TLSRPTPolicy.live(["google-site-verification=abc"]))
        guard case .failure(.several(2)) = TLSRPTPolicy.live([policy.recordText, policy.recordText]) else {
            return XCTFail("two records")
        }
        guard case .success = TLSRPTPolicy.live(["spf", policy.recordText]) else {
            return XCTFail("one record among others")
        }
    }

    func testTLSAEndpointBuildsEveryOwnerName() throws {
        let host = try DNSName(hostName: "mx.example.com")
        XCTAssertEqual(TLSAEndpoint(host: host, port: 2525).owner.fqdn, "_2525._tcp.mx.example.com.")
        let cname = TLSAEndpoint(host: host).with(base: try DNSName(hostName: "real.example.net"))
        XCTAssertEqual(cname.candidateOwners.map(\.fqdn), ["_25._tcp.real.example.net.", "_25._tcp.mx.example.com."])
    }

    func testExitStatusVocabulary() {
        XCTAssertEqual(
            ExitStatus(
                stoppedBy: DiagnosticError([
                    .error(.usage("usage-unknown-host"), "x"), .error(.badData("yaml-syntax"), "y"),
                ])), .usage)
        XCTAssertEqual(ExitStatus(stoppedBy: DiagnosticError(.error(.noInput("key-unreadable"), "x"))), .noInput)
        XCTAssertEqual(
            ExitStatus(
                stoppedBy: DiagnosticError([
                    .error(.noInput("key-unreadable"), "x"), .error(.badData("yaml-syntax"), "y"),
                ])), .badData)
        XCTAssertEqual(
            ExitStatus(stoppedBy: DiagnosticError(.error(.unavailable("resolver-unreachable"), "x"))), .unavailable)
        XCTAssertEqual(
            ExitStatus(stoppedBy: DiagnosticError(.error(.cannotCreate("output-write"), "x"))), .cannotCreate)
        XCTAssertEqual(
            ExitStatus(stoppedBy: DiagnosticError(.error(.noPermission("noperm-tsig-rejected"), "x"))), .noPermission)
        XCTAssertEqual(
            ExitStatus(stoppedBy: DiagnosticError(.error(.refusedByPolicy("config-update-refused"), "x"))),
            .refusedByPolicy)
        XCTAssertEqual(
            ExitStatus(stoppedBy: DiagnosticError(.error(.notAuthoritative("nohost-not-authoritative"), "x"))),
            .notAuthoritative)
        XCTAssertEqual(
            ExitStatus(stoppedBy: DiagnosticError(.error(.tryLater("later-changed-meanwhile"), "x"))), .tryLater)
        XCTAssertEqual(ExitStatus.allCases.map(\.rawValue), [0, 1, 2, 3, 64, 65, 66, 68, 69, 73, 75, 77, 78])
    }

    func testTerminalTextEscapesControlsAndCutsLongText() {
        XCTAssertEqual(TerminalText.visible("a\u{1B}[2Jb\u{7}"), "a\\u{1B}[2Jb\\u{7}")
        XCTAssertEqual(TerminalText.visible("héllo"), "héllo")
        XCTAssertEqual(TerminalText.visible(String(repeating: "x", count: 10), limit: 4), "xxxx... (cut)")
    }
}
