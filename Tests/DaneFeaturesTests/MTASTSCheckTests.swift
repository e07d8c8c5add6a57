import DaneFeatures
import DaneModel
import DaneTestSupport
import Foundation
import XCTest

/// Every branch of the MTA-STS check through a scripted policy host: the record, the fetch,
/// the policy, its mx patterns and the MX certificates under WebPKI.
final class MTASTSCheckTests: XCTestCase {
    static let address = "192.0.2.1"
    static let key = [UInt8](repeating: 0xAB, count: 32)
    static let policy = MTASTSPolicy(mode: .enforce, maxAge: 604_800, mx: ["mx.example.test"])

    func verify(
        record: [String]? = ["v=STSv1; id=20261206"],
        fetched: Result<String, PolicyFetch.Failure>? = .success(policy.text),
        webPKI: WebPKIVerdict? = WebPKIVerdict(valid: true, problem: nil, resultType: nil), dnsOnly: Bool = false,
        described: MTASTSPolicy? = nil
    ) -> DomainReport {
        let dns = ScriptedDNS()
        dns.answer("example.test", .mx, [.mx(preference: 10, exchange: DNSName(presentation: "mx.example.test")!)])
        dns.answer("mx.example.test", .a, [.address(Self.address)])
        dns.answer(
            "_25._tcp.mx.example.test", .tlsa,
            [.tlsa(TLSARecordData(parameters: .recommended, associationData: Self.key))])
        if let record { dns.answer("_mta-sts.example.test", .txt, record.map { .txt([Array($0.utf8)]) }) }
        let mx = ScriptedMX()
        let certificate = PresentedCertificate(
            subject: "CN=mx.example.test", issuer: "CN=CA", spkiSHA256: Hex.encode(Self.key), notBefore: nil,
            notAfter: nil)
        mx.sessions[Self.address] = .tls(
            TLSSessionOutcome(
                completed: true, authenticated: true,
                matched: TLSARecordData(parameters: .recommended, associationData: Self.key),
                chain: [certificate], webPKI: webPKI))
        let https = ScriptedHTTPS()
        if let fetched { https.policies["example.test."] = fetched }
        var options = Verifier.Options()
        options.dnsOnly = dnsOnly
        var verifier = Verifier(lookup: dns, world: .scripted(dns, mx, https: https), options: options)
        if let described { verifier.describedMTASTS["example.test."] = described }
        return verifier.verify(domain: "example.test")
    }

    func types(_ report: DomainReport) -> [TLSRPTResultType] { report.mtaSTS?.problems.map(\.resultType) ?? [] }

    func testNoRecordMeansNoMTASTS() {
        XCTAssertNil(verify(record: nil).mtaSTS)
    }

    func testAGoodEnforcePolicyHasNoProblem() {
        let report = verify()
        XCTAssertEqual(types(report), [])
        XCTAssertEqual(report.mtaSTS?.mode, .enforce)
        XCTAssertFalse(report.mtaSTSFails)
    }

    /// Hardening m5: two records mean no policy (RFC 8461 §3.1): senders deliver without one,
    /// so it is said, but it does not fail the run.
    func testTwoRecordsMeanNoPolicyAndNoFailure() {
        let report = verify(record: ["v=STSv1; id=1", "v=STSv1; id=2"])
        XCTAssertEqual(types(report), [])
        XCTAssertFalse(report.mtaSTSFails)
        XCTAssertNil(report.mtaSTS?.mode)
        XCTAssertEqual(report.mtaSTS?.warnings.count, 1)
    }

    /// Hardening m5: a second mode line makes the policy invalid, not "the first one wins".
    func testAPolicyWithTwoModesIsInvalid() {
        let twice = "version: STSv1\r\nmode: testing\r\nmode: enforce\r\nmx: mx.example.test\r\nmax_age: 604800\r\n"
        XCTAssertEqual(types(verify(fetched: .success(twice))), [.stsPolicyInvalid])
    }

    func testAMalformedRecordIsInvalid() {
        XCTAssertEqual(types(verify(record: ["v=STSv1; id=not valid!"])), [.stsPolicyInvalid])
    }

    func testAnUnfetchablePolicyIsAFetchErrorAndFailsTheRun() {
        let report = verify(fetched: .failure(.fetch("cannot connect")))
        XCTAssertEqual(types(report), [.stsPolicyFetchError])
        XCTAssertTrue(report.mtaSTSFails, "no readable policy fails like enforce")
    }

    func testAPolicyHostFailingWebPKIIsWebPKIInvalid() {
        XCTAssertEqual(types(verify(fetched: .failure(.webPKI("certificate has expired")))), [.stsWebPKIInvalid])
    }

    func testAPolicyServedAsHTMLIsInvalid() {
        XCTAssertEqual(types(verify(fetched: .failure(.contentType("text/html")))), [.stsPolicyInvalid])
    }

    func testAnUnreadablePolicyIsInvalid() {
        XCTAssertEqual(types(verify(fetched: .success("version: STSv2\r\n"))), [.stsPolicyInvalid])
    }

    func testAnMXNoPatternCoversIsInvalid() {
        let other = MTASTSPolicy(mode: .enforce, maxAge: 604_800, mx: ["*.elsewhere.test"])
        XCTAssertEqual(types(verify(fetched: .success(other.text))), [.stsPolicyInvalid])
    }

    func testAnMXCertificateFailingWebPKICarriesItsResultType() {
        let report = verify(
            webPKI: WebPKIVerdict(valid: false, problem: "self-signed", resultType: .certificateNotTrusted))
        XCTAssertEqual(types(report), [.certificateNotTrusted])
        XCTAssertTrue(report.mtaSTSFails)
    }

    func testTestingModeReportsButDoesNotFail() {
        let testing = MTASTSPolicy(mode: .testing, maxAge: 604_800, mx: ["mx.example.test"])
        let report = verify(
            fetched: .success(testing.text),
            webPKI: WebPKIVerdict(valid: false, problem: "expired", resultType: .certificateExpired))
        XCTAssertEqual(types(report), [.certificateExpired])
        XCTAssertFalse(report.mtaSTSFails)
    }

    func testDNSOnlyWarnsThatCertificatesWereNotChecked() {
        let report = verify(dnsOnly: true)
        XCTAssertEqual(types(report), [])
        XCTAssertEqual(report.mtaSTS?.warnings.count, 1)
    }

    func testAShortMaxAgeIsWarned() {
        let short = MTASTSPolicy(mode: .enforce, maxAge: 600, mx: ["mx.example.test"])
        XCTAssertEqual(verify(fetched: .success(short.text)).mtaSTS?.warnings.count, 1)
    }

    func testAPolicyChangedUnderTheSameIDIsNamed() {
        let described = MTASTSPolicy(mode: .testing, maxAge: 604_800, mx: ["mx.example.test"])
        let id = Generator.mtaSTSID(described.text)
        let report = verify(record: ["v=STSv1; id=\(id)"], described: described)
        XCTAssertEqual(report.mtaSTS?.warnings.count, 1, "\(report.mtaSTS?.warnings ?? [])")
        XCTAssertEqual(
            verify(record: ["v=STSv1; id=\(Generator.mtaSTSID(Self.policy.text))"], described: Self.policy).mtaSTS?
                .warnings, [])
    }
}
