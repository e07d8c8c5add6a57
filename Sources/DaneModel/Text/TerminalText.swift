/// Text from outside (files, YAML values, SMTP peers) made safe to show on a terminal: control
/// characters become `\u{1B}`-style escapes (an ESC could rewrite the operator's screen), and
/// very long text is cut so a 20 MB value is never echoed whole.
public enum TerminalText {
    public static func visible(_ text: some StringProtocol, limit: Int = 4096) -> String {
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit { return out + "... (cut)" }
            count += 1
            if scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value) {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
