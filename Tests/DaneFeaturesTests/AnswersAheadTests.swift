import DaneModel
import XCTest

@testable import DaneFeatures

/// The questions verify asks ahead for each domain follow its own check's order, and stop
/// where the check stops (no MX domain, a null MX, an answer that did not validate).
final class AnswersAheadTests: XCTestCase {
    private func name(_ text: String) -> DNSName { DNSName(presentation: text)! }

    private func answer(
        _ status: DNSSECStatus, _ code: DNSResponse.Code, _ records: [DNSRecord] = []
    ) -> ClassifiedAnswer {
        ClassifiedAnswer(
            status: status, response: DNSResponse(code: code, authenticated: status == .secure, answer: records),
            problem: nil)
    }

    private func asked(_ list: [(DNSName, RRType)]) -> [String] { list.map { "\($0.0.fqdn) \($0.1)" } }

    func testEachAnswerLeadsToTheQuestionsTheCheckAsksNext() {
        let domain = name("example.test")
        let mx = answer(
            .secure, .noError,
            [
                DNSRecord(
                    owner: domain, type: .mx, ttl: 300, data: .mx(preference: 10, exchange: name("mx.example.test")))
            ])
        XCTAssertEqual(
            asked(AnswersAhead.following(domain, .mx, mx, of: domain)), ["_smtp._tls.example.test. \(RRType.txt)"])
        let denied = answer(.secure, .nxDomain)
        XCTAssertEqual(
            asked(AnswersAhead.following(name("_smtp._tls.example.test"), .txt, denied, of: domain)),
            ["_mta-sts.example.test. \(RRType.txt)", "example.test. \(RRType.dnskey)"])
        let keys = answer(
            .secure, .noError,
            [DNSRecord(owner: domain, type: .dnskey, ttl: 300, data: RecordData(type: .dnskey, wire: dnskeyWire))])
        XCTAssertEqual(
            asked(AnswersAhead.following(domain, .dnskey, keys, of: domain)), ["example.test. \(RRType.ds)"])
        XCTAssertEqual(
            AnswersAhead.following(domain, .dnskey, answer(.insecure, .noError), of: domain).count, 0,
            "no DS question for a name that is not a signed zone")
        XCTAssertEqual(
            AnswersAhead.following(name("_mta-sts.example.test"), .txt, denied, of: domain).count, 0,
            "the MTA-STS record is the last question")
    }

    func testNothingIsAskedAheadWhereTheCheckStops() {
        let domain = name("example.test")
        let nullMX = answer(
            .secure, .noError,
            [DNSRecord(owner: domain, type: .mx, ttl: 300, data: .mx(preference: 0, exchange: DNSName(labels: [])))])
        XCTAssertEqual(AnswersAhead.following(domain, .mx, nullMX, of: domain).count, 0, "null MX")
        XCTAssertEqual(AnswersAhead.following(domain, .mx, answer(.secure, .nxDomain), of: domain).count, 0, "NXDOMAIN")
        for status in [DNSSECStatus.bogus, .failed] {
            XCTAssertEqual(
                AnswersAhead.following(domain, .mx, answer(status, .noError), of: domain).count, 0, "\(status)")
        }
    }

    /// A DNSKEY RDATA (flags 257, protocol 3, algorithm 13, a 64-byte key).
    private let dnskeyWire: [UInt8] = [0x01, 0x01, 3, 13] + Array(repeating: 7, count: 64)

    /// --jobs bounds the questions asked ahead too: one domain's four for --jobs 1.
    func testQuestionsInFlightFollowJobs() {
        XCTAssertEqual(AnswersAhead.inFlight(jobs: 1), 4)
        XCTAssertEqual(AnswersAhead.inFlight(jobs: 16), 64)
        XCTAssertEqual(AnswersAhead.inFlight(jobs: 64), 100)
        XCTAssertEqual(AnswersAhead.inFlight(jobs: 0), 4)
    }
}
