/// Text from outside (files, YAML values, SMTP peers, reports, DNS) made safe to show on a
/// terminal: control characters and bidirectional overrides become `\u{1B}`-style escapes (an
/// ESC could rewrite the operator's screen, U+202E reverse what a line seems to say), and very
/// long text is cut so a 20 MB value is never echoed whole.
public enum TerminalText {
    public static func visible(_ text: some StringProtocol, limit: Int = 4096) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit { return out + "... (cut)" }
            count += 1
            if isHidden(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Control characters, and the bidirectional embeddings, overrides, isolates and marks.
    static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value < 0x20 || (0x7f...0x9f).contains(value) || (0x202A...0x202E).contains(value)
            || (0x2066...0x2069).contains(value)
            || value == 0x200E || value == 0x200F || value == 0x061C
    }

    /// Each line of `text` made visible, the line breaks kept.
    public static func lines(_ text: String, limit: Int = 4096) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { visible($0, limit: limit) }.joined(
            separator: "\n")
    }
}
