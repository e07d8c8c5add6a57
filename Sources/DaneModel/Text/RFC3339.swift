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

    /// `2026-12-07T12:21:37Z`.
    public static func string(_ date: Date) -> String { plain.format(date) }

    /// `2026-12-07`: the day in UTC.
    public static func day(_ date: Date) -> String { dateOnly.format(date) }

    /// `20261207122137`: RRSIG times as zone files print them (RFC 4034 §3.2), in UTC.
    public static func compact(_ date: Date) -> String {
        String(plain.format(date).unicodeScalars.filter { ("0"..."9").contains($0) }.map(Character.init))
    }
}
