/// Random claims documents (description → path → digest) for the tests that compare danectl's
/// own JSON reader and writer with Foundation's: texts made of pieces that need every kind of
/// escape, characters of one to four bytes, and empty ones.
enum RandomClaims {
    static let pieces =
        (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }
        + [
            "\"", "\\", "/", "a", "Z", "0", " ", "a b", "\u{7F}", "é", "\u{2028}", "\u{FFFD}", "\u{1F600}", "/srv/dns/",
            "customer",
        ]

    static func document(
        descriptions: ClosedRange<Int>, paths: ClosedRange<Int>, using generator: inout some RandomNumberGenerator
    ) -> [String: [String: String]] {
        func text() -> String {
            (0..<Int.random(in: 0...6, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }
                .joined()
        }
        var document: [String: [String: String]] = [:]
        for _ in 0..<Int.random(in: descriptions, using: &generator) {
            document[text()] = Dictionary(
                (0..<Int.random(in: paths, using: &generator)).map { _ in (text(), text()) },
                uniquingKeysWith: { first, _ in first })
        }
        return document
    }
}
