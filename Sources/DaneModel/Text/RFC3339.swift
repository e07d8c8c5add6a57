import FoundationEssentials

/// Every date danectl prints or reads as text, in one place: RFC 3339 times in UTC
/// (`2026-12-07T12:21:37Z`) for messages, reports and `--now`; the date alone for certificate
/// days; and zone files' `YYYYMMDDHHmmSS` for signature times. Made with FoundationEssentials'
/// format styles (values, made once, shared by every thread), not a formatter object per use.
public enum RFC3339 {
    private static let plain = Date.ISO8601FormatStyle()
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let dateOnly = Date.ISO8601FormatStyle().year().month().day()

    /// A date-time with or without fractional seconds, `Z` or any offset; nil for anything else.
    public static func date(_ text: String) -> Date? {
        (try? plain.parse(text)) ?? (try? fractional.parse(text))
    }

    /// The calendar day of `date` in UTC (proleptic Gregorian), from its seconds alone: no
    /// calendar or time-zone data, which FoundationEssentials does not carry (its
    /// `TimeZone(identifier: "UTC")` is nil without the ICU-backed Foundation).
    public static func civilDay(_ date: Date) -> (year: Int, month: Int, day: Int) {
        civilDay(daysSince1970: Int((date.timeIntervalSince1970 / 86_400).rounded(.down)))
    }

    /// The calendar day `days` after 1970-01-01 (negative: before it).
    public static func civilDay(daysSince1970 days: Int) -> (year: Int, month: Int, day: Int) {
        // Days since 1970-01-01 to a date, counting in 400-year eras that start on 1 March
        // (so the leap day ends a year): the classic days-to-civil conversion.
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `2026-12-07T12:21:37Z`.
    public static func string(_ date: Date) -> String { plain.format(date) }

    /// `2026-12-07`: the day in UTC.
    public static func day(_ date: Date) -> String { dateOnly.format(date) }

    /// `20261207122137`: RRSIG times as zone files print them (RFC 4034 §3.2), in UTC.
    public static func compact(_ date: Date) -> String {
        String(plain.format(date).unicodeScalars.filter { ("0"..."9").contains($0) }.map(Character.init))
    }
}
