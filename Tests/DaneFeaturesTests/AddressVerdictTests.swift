import DaneFeatures
import DaneModel
import DaneTestSupport
import Foundation
import XCTest

/// Every branch of the sender's verdict on one MX address, through a scripted MX session:
/// what a DANE sender does after connecting, decided in milliseconds without a lab.
final class AddressVerdictTests: XCTestCase {
    static let address = "192.0.2.1"
    static let key = [UInt8](repeating: 0xAB, count: 32)
    static let other = [UInt8](repeating: 0xCD, count: 32)
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// example.test → mx.example.test (192.0.2.1) with TLSA `3 1 1 key`, secure unless told.
    func verify(
        _ stage: MXSessionResult.Stage? = nil, served: [UInt8]? = nil, tlsa: [TLSARecordData]? = nil,
        tlsaStatus: DNSSECStatus = .secure, profile: SenderProfile = .rfc7672
    ) -> (AddressReport, DomainReport) {
        let dns = ScriptedDNS()
        dns.answer("example.test", .mx, [.mx(preference: 10, exchange: DNSName(presentation: "mx.example.test")!)])
        dns.answer("mx.example.test", .a, [.address(Self.address)])
        let records = tlsa ?? [TLSARecordData(parameters: .recommended, associationData: Self.key)]
        dns.answer("_25._tcp.mx.example.test", .tlsa, records.map { .tlsa($0) }, status: tlsaStatus)
        let mx = ScriptedMX()
        if let stage { mx.sessions[Self.address] = stage }
        if let served { mx.served[Self.address] = served }
        var options = Verifier.Options()
        options.profile = profile
        let report = Verifier(lookup: dns, world: .scripted(dns, mx, clock: FixedClock(Self.now)), options: options)
            .verify(domain: "example.test")
        return (report.hosts[0].addresses[0], report)
    }

    func certificate(notAfter: Date? = nil) -> PresentedCertificate {
        PresentedCertificate(
            subject: "CN=mx.example.test", issuer: "CN=Example CA", spkiSHA256: Hex.encode(Self.key), notBefore: nil,
            notAfter: notAfter)
    }

    func testAMatchingKeyPasses() {
        let (address, domain) = verify(served: Self.key)
        XCTAssertEqual(address.verdict, .pass)
        XCTAssertNil(address.failure)
        XCTAssertEqual(address.matched, "3 1 1 " + Hex.encode(Self.key))
        XCTAssertEqual(domain.outcome, .pass)
    }

    func testAnotherKeyIsTLSAInvalidWithTheRecordThatWouldMatch() {
        let (address, domain) = verify(served: Self.other)
        XCTAssertEqual(address.verdict, .fail)
        XCTAssertEqual(address.failure, .tlsaInvalid)
        XCTAssertEqual(address.failure?.exchangeCode, "5.7.323")
        XCTAssertEqual(address.reasonCode, "no matching DANE TLSA records")
        XCTAssertTrue(address.remedy?.contains("3 1 1 " + Hex.encode(Self.other)) == true, address.remedy ?? "")
        XCTAssertEqual(domain.outcome, .daneFailure)
    }

    func testNoSessionIsConnectionFailedAndNotReached() {
        let (address, _) = verify(.networkError("connection refused"))
        XCTAssertEqual(address.failure, .connectionFailed)
        XCTAssertFalse(address.reachedSMTP)
    }

    func testABrokenSMTPDialogueIsConnectionFailedButReached() {
        let (address, _) = verify(.smtpError("the server greeted with 554 instead of 220"))
        XCTAssertEqual(address.failure, .connectionFailed)
        XCTAssertTrue(address.reachedSMTP)
    }

    func testNoSTARTTLSWithTLSAIsStarttlsNotSupported() {
        let (address, _) = verify(.noSTARTTLS("the EHLO reply does not offer STARTTLS"))
        XCTAssertEqual(address.failure, .starttlsNotSupported)
        XCTAssertEqual(address.failure?.exchangeCode, "5.7.321")
    }

    func testNoSTARTTLSWithoutTLSAIsUnauthenticatedNotAFailure() {
        let (address, domain) = verify(.noSTARTTLS("the EHLO reply does not offer STARTTLS"), tlsa: [])
        XCTAssertEqual(address.verdict, .unauthenticated)
        XCTAssertNil(address.failure)
        XCTAssertEqual(domain.outcome, .notProtected)
    }

    func testRefusedAfterTLSFailsEvenWhenDANEAuthenticated() {
        let outcome = TLSSessionOutcome(
            completed: true, authenticated: true,
            matched: TLSARecordData(parameters: .recommended, associationData: Self.key),
            chain: [certificate()])
        let (address, _) = verify(
            .refusedAfterTLS(outcome, "the server answered EHLO over TLS with 421 No client certificate presented"))
        XCTAssertEqual(address.verdict, .fail)
        XCTAssertEqual(address.failure, .connectionFailed)
        XCTAssertEqual(address.failure?.exchangeCode, "4.4.316")
    }

    func testAFailedHandshakeUnderDANEIsAValidationFailureWithTheTLSReason() {
        let outcome = TLSSessionOutcome(
            completed: false, handshakeError: "unsupported protocol", authenticated: false, chain: [])
        let (address, _) = verify(.tls(outcome))
        XCTAssertEqual(address.failure, .validationFailure)
        XCTAssertEqual(address.detail, "unsupported protocol")
        XCTAssertEqual(address.reasonCode, "unsupported protocol")
    }

    func testAHostMismatchUnderDANETAIsCertificateHostMismatch() {
        let outcome = TLSSessionOutcome(
            completed: true, authenticated: false, verifyFailure: .hostMismatch, verifyMessage: "hostname mismatch",
            chain: [certificate()])
        XCTAssertEqual(verify(.tls(outcome)).0.failure, .certificateHostMismatch)
    }

    func testAnExpiredChainIsCertificateExpired() {
        let outcome = TLSSessionOutcome(
            completed: true, authenticated: false, verifyFailure: .expired, verifyMessage: "certificate has expired",
            chain: [certificate()])
        XCTAssertEqual(verify(.tls(outcome)).0.failure, .certificateExpired)
    }

    func testAnExpiredDANEEECertificatePassesForRFC7672AndFailsForExchangeOnline() {
        let expired = TLSSessionOutcome(
            completed: true, authenticated: true,
            matched: TLSARecordData(parameters: .recommended, associationData: Self.key),
            chain: [certificate(notAfter: Self.now.addingTimeInterval(-86_400))])
        let rfc = verify(.tls(expired)).0
        XCTAssertEqual(rfc.verdict, .pass)
        XCTAssertEqual(rfc.warnings.count, 1)
        let exchange = verify(.tls(expired), profile: .exchangeOnline).0
        XCTAssertEqual(exchange.failure, .certificateExpired)
        XCTAssertEqual(exchange.failure?.exchangeCode, "5.7.322")
    }

    func testACertificateExpiringSoonIsWarned() {
        let soon = TLSSessionOutcome(
            completed: true, authenticated: true,
            matched: TLSARecordData(parameters: .recommended, associationData: Self.key),
            chain: [certificate(notAfter: Self.now.addingTimeInterval(3 * 86_400))])
        let address = verify(.tls(soon)).0
        XCTAssertEqual(address.verdict, .pass)
        XCTAssertEqual(address.warnings.count, 1)
    }

    func testBogusTLSAIsNotInForceAndAsksForSignaturesNotRecords() {
        let (address, _) = verify(served: Self.key, tlsaStatus: .bogus)
        XCTAssertEqual(address.verdict, .unauthenticated)
        XCTAssertTrue(address.remedy?.contains("re-sign") == true, address.remedy ?? "")
    }

    func testUnsignedTLSAIsTriedToSayWhatSigningWouldDo() {
        let matches = verify(served: Self.key, tlsaStatus: .insecure).0
        XCTAssertEqual(matches.verdict, .unauthenticated)
        XCTAssertEqual(matches.remedy, "sign the zone and publish its DS at the parent")
        let wouldFail = verify(served: Self.other, tlsaStatus: .insecure).0
        XCTAssertTrue(wouldFail.remedy?.contains("3 1 1 " + Hex.encode(Self.other)) == true, wouldFail.remedy ?? "")
    }

    func testUnsignedRecordsAreHandedToTheSessionButSecureOnesOnlyWhenUsable() {
        let dns = ScriptedDNS()
        dns.answer("example.test", .mx, [.mx(preference: 10, exchange: DNSName(presentation: "mx.example.test")!)])
        dns.answer("mx.example.test", .a, [.address(Self.address)])
        // Usage 1 (PKIX-EE) is unusable for SMTP (RFC 7672 §3.1.3): never handed to the verifier.
        dns.answer(
            "_25._tcp.mx.example.test", .tlsa,
            [.tlsa(try! TLSARecordData(presentation: "1 1 1 " + Hex.encode(Self.key)))])
        let mx = ScriptedMX()
        mx.served[Self.address] = Self.key
        let report = Verifier(lookup: dns, world: .scripted(dns, mx), options: Verifier.Options()).verify(
            domain: "example.test")
        XCTAssertEqual(mx.requests.map(\.records), [[]])
        XCTAssertEqual(report.hosts[0].addresses[0].verdict, .unauthenticated)
        XCTAssertEqual(report.outcome, .notProtected)
    }

    func testEachAddressAndTLSASetIsAskedOncePerRun() {
        let dns = ScriptedDNS()
        for domain in ["a.test", "b.test"] {
            dns.answer(domain, .mx, [.mx(preference: 10, exchange: DNSName(presentation: "mx.example.test")!)])
        }
        dns.answer("mx.example.test", .a, [.address(Self.address)])
        dns.answer(
            "_25._tcp.mx.example.test", .tlsa,
            [.tlsa(TLSARecordData(parameters: .recommended, associationData: Self.key))])
        let mx = ScriptedMX()
        mx.served[Self.address] = Self.key
        let reports = Verifier(lookup: dns, world: .scripted(dns, mx), options: Verifier.Options()).verify(domains: [
            "a.test", "b.test",
        ])
        XCTAssertEqual(reports.map(\.outcome), [.pass, .pass])
        XCTAssertEqual(mx.requests.count, 1)
    }

    /// Hardening M6 and issue 23: a domain with 200 MX hosts whose lookups each take 0.2 s gets
    /// a verdict quickly: hosts past --mx-limit are not checked (and that is said), and the
    /// hosts' lookups run side by side.
    func testManySlowMXHostsAreBoundedAndLookedUpSideBySide() {
        let dns = ScriptedDNS()
        let hosts = (0..<200).map { "mx\($0).example.test" }
        dns.answer(
            "example.test", .mx,
            hosts.enumerated().map { .mx(preference: UInt16($0.offset), exchange: DNSName(presentation: $0.element)!) })
        for host in hosts { dns.answer(host, .a, [.address(Self.address)]) }
        dns.lookupDelay = 0.2
        var options = Verifier.Options()
        options.dnsOnly = true
        let started = Date()
        // As VerifyRun does: each question asked once per run.
        let cached = CachingLookup(dns, clock: SystemClock())
        let report = Verifier(lookup: cached, world: .scripted(dns), options: options).verify(domain: "example.test")
        let seconds = Date().timeIntervalSince(started)
        XCTAssertEqual(
            report.hosts.map(\.host), (0..<10).map { "mx\($0).example.test." }, "the first ten by preference")
        XCTAssertTrue(report.warnings.map(\.code).contains(.mxLimit), "\(report.warnings)")
        XCTAssertLessThan(seconds, 3, "10 hosts x 3 lookups of 0.2 s, side by side")
    }
}
