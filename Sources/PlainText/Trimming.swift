/// Which characters `trimmed` removes from the ends of a text: the classes Foundation's
/// CharacterSet named, decided per Unicode scalar as it did, without Foundation.
public struct TrimmedCharacters: Sendable {
    let contains: @Sendable (Unicode.Scalar) -> Bool

    /// Spaces (Unicode's space separators: U+0020, U+00A0, U+2000-U+200A, ...), tab, and the
    /// zero-width space U+200B, which Foundation's set kept from older Unicode (all 1,114,112
    /// scalars compared: that is the one difference).
    public static let whitespaces = TrimmedCharacters {
        $0 == "\t" || $0.value == 0x200B || $0.properties.generalCategory == .spaceSeparator
    }

    /// Line and paragraph breaks: U+000A-U+000D, U+0085, U+2028, U+2029.
    public static let newlines = TrimmedCharacters {
        (0x0A...0x0D).contains($0.value) || $0.value == 0x85 || $0.value == 0x2028 || $0.value == 0x2029
    }

    public static let whitespacesAndNewlines = TrimmedCharacters {
        whitespaces.contains($0) || newlines.contains($0)
    }

    /// Exactly these characters.
    public static func characters(in text: String) -> TrimmedCharacters {
        let set = Set(text.unicodeScalars)
        return TrimmedCharacters { set.contains($0) }
    }
}

extension StringProtocol {
    /// The text without `characters` at either end.
    public func trimmed(_ characters: TrimmedCharacters = .whitespaces) -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !characters.contains($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !characters.contains($0) })!
        var kept = String.UnicodeScalarView()
        kept.append(contentsOf: scalars[first...last])
        return String(kept)
    }
}

extension StringProtocol {
    /// The text followed by spaces up to `width` characters (never cut: a longer text is
    /// returned whole), for columns in terminal output.
    public func padded(to width: Int) -> String {
        String(self) + String(repeating: " ", count: Swift.max(0, width - count))
    }
}
