import DaneModel
import FoundationEssentials
import PlainText

/// The pages' HTML around their text. Domain names, codes and problems come from DNS, from
/// senders' reports and from the URL, so none is trusted: each goes through
/// `HTMLEscaping.escape` (PlainText), the one HTML escaping of danectl.
enum HTMLText {
    /// A whole page: one stylesheet inline, no script, no external asset (works offline).
    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTMLEscaping.escape(title))</title>
        <style>
        body { font: 15px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d1d1f; }
        table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
        th, td { text-align: left; padding: 0.3em 0.8em; border-bottom: 1px solid #ddd; vertical-align: top; }
        .label { font-weight: 600; padding: 0.1em 0.5em; border-radius: 0.3em; white-space: nowrap; }
        .good { background: #d8f5d8; color: #0b5d0b; } .attention { background: #fff0c2; color: #6b4d00; }
        .bad { background: #ffd9d6; color: #8a1209; } .neutral { background: #e8e8ec; color: #3a3a40; }
        code { font-size: 0.9em; }
        </style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    /// An outcome as a coloured label that reads the same without colour.
    static func label(_ outcome: String) -> String {
        let (words, tone): (String, String) =
            switch outcome {
            case "pass": ("PASS", "good")
            case "warning": ("WARNING", "attention")
            case "not-protected": ("NOT PROTECTED", "neutral")
            case "null-mx": ("NULL MX", "neutral")
            case "mta-sts-failure": ("MTA-STS FAILS", "bad")
            case "dane-failure": ("DANE FAILS", "bad")
            case "dns-problem": ("DNS PROBLEM", "bad")
            default: (outcome.uppercased(), "neutral")
            }
        return "<span class=\"label \(tone)\">\(HTMLEscaping.escape(words))</span>"
    }

    /// RFC 3339 through the project's one formatter (a format style made once), not a new
    /// ISO8601DateFormatter for each of a page's thousands of cells.
    static func date(_ date: Date?) -> String { date.map(RFC3339.string) ?? "" }

    /// Whole days from `now` to `date`, rounded down (negative once past).
    static func days(until date: Date?, from now: Date) -> Int? {
        date.map { Int(($0.timeIntervalSince(now) / 86_400).rounded(.down)) }
    }
}
