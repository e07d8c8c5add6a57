import DaneModel
import Foundation
import XCTest

/// danectl's one date text (RFC3339) prints what Foundation's ISO8601DateFormatter and a
/// POSIX DateFormatter printed before it replaced them, across the whole range of DNSSEC
/// signature times (1970 to 2106), and reads `--now` as that formatter did, offsets included.
final class RFC3339Tests: XCTestCase {
    func testPrintsWhatTheFormattersPrinted() {
        let instant = ISO8601DateFormatter()
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        let compact = DateFormatter()
        compact.locale = Locale(identifier: "en_US_POSIX")
        compact.timeZone = TimeZone(identifier: "UTC")
        compact.dateFormat = "yyyyMMddHHmmss"
        var generator = SystemRandomNumberGenerator()
        let seconds =
            [0, 1, 59, 86_399, 86_400, 951_782_400, 1_796_000_000, Int(UInt32.max)]
            + (0..<2_000).map { _ in Int.random(in: 0...Int(UInt32.max), using: &generator) }
        for second in seconds {
            let date = Date(timeIntervalSince1970: TimeInterval(second))
            XCTAssertEqual(RFC3339.string(date), instant.string(from: date), "\(second)")
            XCTAssertEqual(RFC3339.day(date), day.string(from: date), "\(second)")
            XCTAssertEqual(RFC3339.compact(date), compact.string(from: date), "\(second)")
            XCTAssertEqual(RRSIGData.timeText(UInt32(second)), compact.string(from: date), "\(second)")
        }
        XCTAssertEqual(RFC3339.string(Date(timeIntervalSince1970: 1_796_000_000.7)), "2026-11-30T00:53:20Z")
    }

    func testReadsWhatTheFormatterRead() {
        let instant = ISO8601DateFormatter()
        for text in [
            "2026-11-29T04:00:00Z", "2026-11-29T05:00:00+01:00", "2026-11-29T05:00:00+0100",
            "2026-11-28T23:00:00-05:00",
            "2026-11-29T04:00:00z", "1970-01-01T00:00:00Z", "2106-02-07T06:28:15Z",
        ] {
            XCTAssertEqual(RFC3339.date(text), instant.date(from: text), text)
            XCTAssertNotNil(RFC3339.date(text), text)
        }
        for text in ["2026-11-29 04:00:00Z", "2026-11-29T04:00Z", "2026-11-29", "yesterday", ""] {
            XCTAssertNil(RFC3339.date(text), text)
        }
        XCTAssertEqual(
            RFC3339.date("2026-11-29T04:00:00.250Z")?.timeIntervalSince1970,
            RFC3339.date("2026-11-29T04:00:00Z").map { $0.timeIntervalSince1970 + 0.25 },
            "fractions, as reports carry them")
    }
}

final class CivilDayTests: XCTestCase {
    /// The UTC day from seconds alone is Foundation's Gregorian calendar's, across 1600-2400
    /// (leap centuries, the epoch, negative times) and at each day's first and last second.
    func testCivilDayIsTheGregorianCalendarsInUTC() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try XCTUnwrap(TimeZone(identifier: "UTC"))
        var seconds: [Double] = [0, -1, 86_399, 86_400, 951_782_400, 951_868_799, 4_107_542_399, -11_676_096_000]
        for _ in 0..<20_000 { seconds.append(Double(Int64.random(in: -11_676_096_000...13_569_465_600))) }
        for second in seconds {
            let date = Date(timeIntervalSince1970: second)
            let expected = calendar.dateComponents([.year, .month, .day], from: date)
            let civil = RFC3339.civilDay(date)
            XCTAssertEqual(
                [civil.year, civil.month, civil.day], [expected.year, expected.month, expected.day], "\(second)")
        }
    }
}
