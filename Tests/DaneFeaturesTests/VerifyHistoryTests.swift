import DaneFeatures
import DaneModel
import DaneTestSupport
import Foundation
import ReportStore
import XCTest

/// `verify --db`: what a run keeps (verdict, codes, per-address match and expiry), read back
/// as values, and retention forgetting old runs. The scripted world stands in for DNS and MX.
final class VerifyHistoryTests: XCTestCase {
    static let key = [UInt8](repeating: 0xAB, count: 32)
    static let other = [UInt8](repeating: 0xCD, count: 32)
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let notAfter = Date(timeIntervalSince1970: 1_805_000_000)

    /// example.test → mx.example.test (192.0.2.1), TLSA `3 1 1 key`; the MX serves `served`.
    func verify(served: [UInt8]) -> DomainReport {
        let dns = ScriptedDNS()
        dns.answer("example.test", .mx, [.mx(preference: 10, exchange: DNSName(presentation: "mx.example.test")!)])
        dns.answer("mx.example.test", .a, [.address("192.0.2.1")])
        dns.answer(
            "_25._tcp.mx.example.test", .tlsa,
            [.tlsa(TLSARecordData(parameters: .recommended, associationData: Self.key))])
        let mx = ScriptedMX()
        mx.served["192.0.2.1"] = served
        mx.notAfter["192.0.2.1"] = Self.notAfter
        return Verifier(lookup: dns, world: .scripted(dns, mx, clock: FixedClock(Self.now)), options: .init())
            .verify(domain: "example.test")
    }

    func store() throws -> ReportStore {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return try ReportStore(path: folder.appendingPathComponent("history.sqlite").path)
    }

    func testARunKeepsVerdictCodesAndEachAddress() throws {
        let failing = VerifyHistoryRecords.checks([verify(served: Self.other)], at: Self.now) { _ in "first problem" }
        let check = try XCTUnwrap(failing.first)
        XCTAssertEqual(check.domain, "example.test")
        XCTAssertEqual(check.outcome, DomainReport.Outcome.daneFailure.rawValue)
        XCTAssertEqual(check.codes.first, "tlsa-invalid")
        XCTAssertEqual(check.problem, "first problem")
        XCTAssertEqual(
            check.addresses,
            [
                VerifyCheck.Address(
                    mx: "mx.example.test.", address: "192.0.2.1", verdict: "fail", code: "tlsa-invalid", matched: nil,
                    certificateExpiry: Self.notAfter, tlsa: ["3 1 1 " + Hex.encode(Self.key)])
            ])
        XCTAssertEqual(check.certificateExpiry, Self.notAfter)

        let passing = VerifyHistoryRecords.checks([verify(served: Self.key)], at: Self.now + 3600) { _ in "unused" }
        XCTAssertEqual(passing.first?.outcome, "pass")
        XCTAssertNil(passing.first?.problem, "a pass has no problem to tell")
        XCTAssertEqual(passing.first?.addresses.first?.matched, "3 1 1 " + Hex.encode(Self.key))

        let store = try store()
        try VerifyHistoryRecords.record(failing, in: store, at: Self.now, keepDays: 90)
        try VerifyHistoryRecords.record(passing, in: store, at: Self.now + 3600, keepDays: 90)
        let history = try store.verifyHistory(domain: "Example.Test.")
        XCTAssertEqual(history, passing + failing, "newest first, read back as kept")
    }

    func testOldRunsAreForgottenAfterKeepDays() throws {
        let store = try store()
        let report = verify(served: Self.key)
        for day in 0..<5 {
            let time = Self.now + Double(day) * 86_400
            try VerifyHistoryRecords.record(
                VerifyHistoryRecords.checks([report], at: time) { _ in nil }, in: store, at: time, keepDays: 2)
        }
        XCTAssertEqual(
            try store.verifyHistory(domain: "example.test").map(\.checkedAt),
            [4, 3, 2].map { Self.now + Double($0) * 86_400 }, "runs older than 2 days before the last are gone")
    }
}
