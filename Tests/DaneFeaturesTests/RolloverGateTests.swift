import DaneFeatures
import DaneModel
import DaneSpec
import DaneTestSupport
import Foundation
import XCTest

/// The rollover gate's branches, driven with a scripted DNS and scripted MX addresses: no
/// root, no network, milliseconds. The lab tests cover the same gate end to end.
final class RolloverGateTests: XCTestCase {
    let mx = "192.0.2.1", ns = "192.0.2.53"
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// A signed example.test whose TLSA set holds both keys everywhere; the MX serves `current`.
    func world(_ f: RolloverFixture, live: [TLSARecordData]? = nil, port: UInt16 = 25) -> (ScriptedDNS, ScriptedMX) {
        ExampleWorld.make(set: live ?? [f.current, f.next], served: f.current, port: port)
    }

    func check(
        _ f: RolloverFixture, _ dns: ScriptedDNS, _ probe: ScriptedMX, at time: Date, after: Bool = false,
        evidence: inout RolloverEvidence, records: Bool = true, hosts: [String] = []
    ) throws -> RolloverHostResult {
        var checker = RolloverChecker(lookup: dns, probe: World.scripted(dns, probe).keyProbe(timeout: 1), now: time)
        checker.recordsEvidence = records
        let results = try checker.check(
            DescriptionLoader.load(path: f.description), hosts: hosts, after: after, evidence: &evidence)
        return try XCTUnwrap(results.first)
    }

    func testGateWaitsTwoTTLsFromTheFirstSightingThenOpens() throws {
        let f = try RolloverFixture()
        let (dns, probe) = world(f)
        var evidence = RolloverEvidence()
        let first = try check(f, dns, probe, at: t0, evidence: &evidence)
        XCTAssertEqual(first.state, .wait)
        XCTAssertEqual(first.codes, ["waiting-for-caches"])
        XCTAssertEqual(
            first.earliestSafe, t0.addingTimeInterval(600), "2 x TTL 300 s (negative TTL 60 s + TTL is shorter)")
        let early = try check(f, dns, probe, at: t0.addingTimeInterval(599), evidence: &evidence)
        XCTAssertEqual(early.state, .wait)
        XCTAssertEqual(early.earliestSafe, first.earliestSafe, "the first sighting counts, not the latest")
        let late = try check(f, dns, probe, at: t0.addingTimeInterval(600), evidence: &evidence)
        XCTAssertEqual(late.state, .safe, late.reasons.joined())
    }

    /// Hardening C7: a clock a day behind the signatures the resolver just validated records
    /// no first sighting (it would open the gate a day early) and says why.
    func testAClockThatDisagreesWithTheSignaturesIsNoEvidence() throws {
        let f = try RolloverFixture()
        let (dns, probe) = world(f)
        let owner = DNSName(presentation: "_25._tcp.mx.example.test")!
        func signed(inception: Date) {
            let signature = RRSIGData(
                typeCovered: .tlsa, algorithm: 13, labels: 5, originalTTL: 300,
                expiration: UInt32(inception.timeIntervalSince1970 + 14 * 86_400),
                inception: UInt32(inception.timeIntervalSince1970),
                keyTag: 1, signer: DNSName(presentation: "example.test")!, signature: [1, 2, 3])
            let records =
                [f.current, f.next].map { DNSRecord(owner: owner, type: .tlsa, ttl: 300, data: .tlsa($0)) }
                + [DNSRecord(owner: owner, type: .rrsig, ttl: 300, data: .rrsig(signature))]
            dns.answers[ScriptedDNS.key(owner, .tlsa)] = ClassifiedAnswer(
                status: .secure, response: DNSResponse(code: .noError, authenticated: true, answer: records),
                problem: nil)
        }
        var evidence = RolloverEvidence()
        // signed an hour before the true "now", a day after this clock
        signed(inception: t0.addingTimeInterval(86_400 - 3600))
        let behind = try check(f, dns, probe, at: t0, evidence: &evidence)
        XCTAssertEqual(behind.state, .unsafe)
        XCTAssertEqual(behind.codes, ["clock-disagrees"])
        XCTAssertTrue(evidence.firstSeen.isEmpty, "no sighting dated by a wrong clock")
        signed(inception: t0.addingTimeInterval(-3600))
        XCTAssertEqual(
            try check(f, dns, probe, at: t0, evidence: &evidence).state, .wait, "a clock that agrees starts the wait")
        XCTAssertFalse(evidence.firstSeen.isEmpty)
    }

    func testARehearsalWritesNoEvidenceAndCannotOpenTheGate() throws {
        let f = try RolloverFixture()
        let (dns, probe) = world(f)
        var evidence = RolloverEvidence()
        let rehearsal = try check(
            f, dns, probe, at: Date(timeIntervalSince1970: 1_577_836_800), evidence: &evidence, records: false)
        XCTAssertEqual(rehearsal.state, .wait)
        XCTAssertEqual(rehearsal.codes, ["no-evidence-yet"])
        XCTAssertTrue(evidence.firstSeen.isEmpty, "a pretend time must not become evidence")
        let real = try check(f, dns, probe, at: t0, evidence: &evidence)
        XCTAssertEqual(real.state, .wait, "the first real check starts the clock")
    }

    func testAHashSeenMissingIsForgottenAndWaitsAgainWhenRepublished() throws {
        let f = try RolloverFixture()
        let (dns, probe) = world(f)
        var evidence = RolloverEvidence()
        _ = try check(f, dns, probe, at: t0, evidence: &evidence)
        XCTAssertFalse(evidence.firstSeen.isEmpty)
        dns.answer("_25._tcp.mx.example.test", .tlsa, [.tlsa(f.current)])
        let gone = try check(f, dns, probe, at: t0.addingTimeInterval(1000), evidence: &evidence)
        XCTAssertEqual(gone.state, .unsafe)
        XCTAssertEqual(gone.codes, ["next-not-published"])
        XCTAssertTrue(evidence.firstSeen.isEmpty, "a missing hash must forget its first sighting")
        dns.answer("_25._tcp.mx.example.test", .tlsa, [.tlsa(f.current), .tlsa(f.next)])
        let back = try check(f, dns, probe, at: t0.addingTimeInterval(2000), evidence: &evidence)
        XCTAssertEqual(back.state, .wait, "republished: the wait starts again")
        XCTAssertEqual(back.earliestSafe, t0.addingTimeInterval(2600))
    }

    func testAServerThatDoesNotServeTheHashIsUnsafeAndResetsTheEvidence() throws {
        let f = try RolloverFixture()
        let (dns, probe) = world(f)
        var evidence = RolloverEvidence()
        _ = try check(f, dns, probe, at: t0, evidence: &evidence)
        dns.serve(ns, "_25._tcp.mx.example.test", .tlsa, [.tlsa(f.current)])
        let result = try check(f, dns, probe, at: t0.addingTimeInterval(5000), evidence: &evidence)
        XCTAssertEqual(result.state, .unsafe)
        XCTAssertEqual(result.codes, ["server-not-serving"])
        XCTAssertTrue(evidence.firstSeen.isEmpty)
    }

    func testUnreachableServersAndMXAreCouldNotCheckNeverSafe() throws {
        let f = try RolloverFixture()
        var (dns, probe) = world(f)
        var evidence = RolloverEvidence()
        dns.deadServers = [ns]
        XCTAssertEqual(try check(f, dns, probe, at: t0, evidence: &evidence).state, .unavailable)
        (dns, probe) = world(f)
        probe.unreachable = [mx]
        let mxDown = try check(f, dns, probe, at: t0, evidence: &evidence)
        XCTAssertEqual(mxDown.state, .unavailable)
        XCTAssertEqual(mxDown.codes, ["mx-unreachable"])
    }

    func testBogusAnswersAreADNSProblem() throws {
        let f = try RolloverFixture()
        let (dns, probe) = world(f)
        dns.answer("_25._tcp.mx.example.test", .tlsa, [.tlsa(f.current), .tlsa(f.next)], status: .bogus)
        var evidence = RolloverEvidence()
        XCTAssertEqual(try check(f, dns, probe, at: t0, evidence: &evidence).state, .dnsProblem)
    }

    func testAnUnknownHostIsAUsageErrorAndAHostWithoutNextIsRefused() throws {
        let f = try RolloverFixture()
        let (dns, probe) = world(f)
        var evidence = RolloverEvidence()
        XCTAssertThrowsError(try check(f, dns, probe, at: t0, evidence: &evidence, hosts: ["mx.typo.example"])) {
            error in
            let error = error as? DiagnosticError
            XCTAssertEqual(error?.codes, ["usage-unknown-host"])
            XCTAssertEqual(error.map { ExitStatus(stoppedBy: $0) }, .usage)
        }
        let none = try RolloverFixture(withNext: false)
        let refused = try check(none, dns, probe, at: t0, evidence: &evidence)
        XCTAssertEqual(refused.state, .refused)
        XCTAssertEqual(refused.codes, ["no-next-key"])
    }

    func testTheHostsPortIsProbedAndItsTLSAOwnerAsked() throws {
        let f = try RolloverFixture(port: 2525)
        let (dns, probe) = world(f, port: 2525)
        var evidence = RolloverEvidence()
        let result = try check(f, dns, probe, at: t0, evidence: &evidence)
        XCTAssertEqual(result.state, .wait, result.reasons.joined())
        XCTAssertEqual(Set(probe.ports), [2525])
        XCTAssertTrue(
            evidence.firstSeen.keys.allSatisfy { $0.hasPrefix("_2525._tcp.mx.example.test. ") }
                && !evidence.firstSeen.isEmpty)
    }

    func testNextTheSameAsTheCurrentKeyIsSafeWithAWarning() throws {
        let f = try RolloverFixture(nextSameAsCurrent: true)
        let (dns, probe) = world(f, live: [f.current])
        var request = RolloverRequest(file: f.description)
        request.now = t0
        let outcome = try RolloverRun.check(request, after: false, world: .scripted(dns, probe))
        XCTAssertEqual(outcome.worst, .safe)
        XCTAssertEqual(outcome.warnings.map(\.code), ["rollover-next-is-current"])
    }

    func testAResolverThatDoesNotAnswerStopsTheRun() throws {
        let f = try RolloverFixture()
        let (dns, probe) = world(f)
        dns.resolverUp = false
        XCTAssertThrowsError(
            try RolloverRun.check(RolloverRequest(file: f.description), after: false, world: .scripted(dns, probe))
        ) {
            XCTAssertEqual(($0 as? DiagnosticError).map { ExitStatus(stoppedBy: $0) }, .unavailable)
        }
        XCTAssertThrowsError(
            try RolloverRun.plan(RolloverRequest(file: f.description), live: true, world: .scripted(dns))
        ) {
            XCTAssertEqual(($0 as? DiagnosticError).map { ExitStatus(stoppedBy: $0) }, .unavailable)
        }
    }

    func testAnUnreadableStateFileIsNoEvidenceAndIsLeftAlone() throws {
        let f = try RolloverFixture()
        let (dns, probe) = world(f)
        let state = f.folder + "/state.json"
        try "{ not a state file".write(toFile: state, atomically: true, encoding: .utf8)
        var request = RolloverRequest(file: f.description)
        request.statePath = state
        let outcome = try RolloverRun.check(request, after: false, world: .scripted(dns, probe))
        XCTAssertEqual(outcome.worst, .wait, "no evidence is never \"long enough\"")
        XCTAssertEqual(outcome.warnings.map(\.code), ["rollover-state-unreadable"])
        XCTAssertNil(outcome.evidenceToWrite, "a file we could not read is not overwritten")
        XCTAssertEqual(try String(contentsOfFile: state, encoding: .utf8), "{ not a state file")
    }

    // MARK: - After deploying

    func evidence(_ f: RolloverFixture, seen: Date) -> RolloverEvidence {
        var evidence = RolloverEvidence()
        evidence.sawPublished(TLSAEndpoint(host: DNSName(presentation: "mx.example.test")!), [f.next], at: seen)
        return evidence
    }

    func testAfterPassesWhenTheServedKeyWasPublishedLongEnough() throws {
        let f = try RolloverFixture()
        let (dns, probe) = world(f)
        probe.served[mx] = f.next.associationData
        var seen = evidence(f, seen: t0.addingTimeInterval(-600))
        let result = try check(f, dns, probe, at: t0, after: true, evidence: &seen)
        XCTAssertEqual(result.state, .safe, result.reasons.joined())
        XCTAssertEqual(result.codes, ["deployed"])
    }

    func testAfterFailsATooEarlySwap() throws {
        let f = try RolloverFixture()
        let (dns, probe) = world(f)
        probe.served[mx] = f.next.associationData
        var seen = evidence(f, seen: t0.addingTimeInterval(-5))
        let result = try check(f, dns, probe, at: t0, after: true, evidence: &seen)
        XCTAssertEqual(result.state, .unsafe)
        XCTAssertEqual(result.codes, ["deployed-too-early"])
        XCTAssertTrue(result.reasons[0].contains("5.7.323"), result.reasons[0])
        XCTAssertEqual(result.earliestSafe, t0.addingTimeInterval(595))
        var none = RolloverEvidence()
        XCTAssertEqual(try check(f, dns, probe, at: t0, after: true, evidence: &none).codes, ["no-evidence"])
    }

    func testAfterJudgesWhatSendersSeeNotTheDescription() throws {
        // The new key went live but its hash was never published: senders fail, so must we.
        let f = try RolloverFixture()
        let (dns, probe) = world(f, live: [f.current])
        probe.served[mx] = f.next.associationData
        var seen = evidence(f, seen: t0.addingTimeInterval(-6000))
        let result = try check(f, dns, probe, at: t0, after: true, evidence: &seen)
        XCTAssertEqual(result.state, .unsafe)
        XCTAssertEqual(result.codes, ["key-mismatch"])
        XCTAssertTrue(result.reasons[0].hasPrefix("5.7.323 tlsa-invalid: mx.example.test. [\(mx)]"), result.reasons[0])
        XCTAssertTrue(result.reasons[0].contains(Hex.encode(f.next.associationData)))
    }

    func testAfterRefusesAKeyThatIsNeitherCurrentNorNext() throws {
        let f = try RolloverFixture()
        let stranger = TLSARecordData(parameters: .recommended, associationData: Array(repeating: 7, count: 32))
        let (dns, probe) = world(f, live: [f.current, f.next, stranger])
        probe.served[mx] = stranger.associationData
        var seen = evidence(f, seen: t0.addingTimeInterval(-6000))
        XCTAssertEqual(try check(f, dns, probe, at: t0, after: true, evidence: &seen).codes, ["served-key-unknown"])
        probe.served[mx] = f.current.associationData
        XCTAssertEqual(try check(f, dns, probe, at: t0, after: true, evidence: &seen).codes, ["new-key-not-live"])
    }

    // MARK: - Plan and check agree

    func testPlanUsesTheEvidenceCheckRecorded() throws {
        let f = try RolloverFixture()
        let (dns, probe) = world(f)
        var evidence = RolloverEvidence()
        let checked = try check(f, dns, probe, at: t0, evidence: &evidence)
        try evidence.encoded().write(toFile: f.description + ".rollover.json", atomically: true, encoding: .utf8)
        var request = RolloverRequest(file: f.description)
        request.now = t0.addingTimeInterval(120)
        let (steps, _) = try RolloverRun.plan(request, live: true, world: .scripted(dns))
        XCTAssertEqual(steps.first { $0.action == .deploy }?.earliest, checked.earliestSafe)
    }
}
