/// The three numeric fields of a TLSA record (RFC 6698 §2.1, mnemonics from RFC 7218).
///
/// Open types: any 0-255 value is representable, so a live `4 1 1` is "unusable", not a
/// parse failure. Whether a value may be *used* is `SMTPUsability`'s call.
public struct CertificateUsage: RawRepresentable, Sendable, Hashable, Comparable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let pkixTA = CertificateUsage(rawValue: 0)
    public static let pkixEE = CertificateUsage(rawValue: 1)
    public static let daneTA = CertificateUsage(rawValue: 2)
    public static let daneEE = CertificateUsage(rawValue: 3)

    public var mnemonic: String? {
        ["PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE"].element(at: Int(rawValue))
    }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

public struct TLSASelector: RawRepresentable, Sendable, Hashable, Comparable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The whole certificate, DER.
    public static let certificate = TLSASelector(rawValue: 0)
    /// The SubjectPublicKeyInfo, DER: survives renewals that keep the key.
    public static let spki = TLSASelector(rawValue: 1)

    public var mnemonic: String? { ["Cert", "SPKI"].element(at: Int(rawValue)) }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

public struct TLSAMatchingType: RawRepresentable, Sendable, Hashable, Comparable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let full = TLSAMatchingType(rawValue: 0)
    public static let sha256 = TLSAMatchingType(rawValue: 1)
    public static let sha512 = TLSAMatchingType(rawValue: 2)

    public var mnemonic: String? { ["Full", "SHA2-256", "SHA2-512"].element(at: Int(rawValue)) }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// Usage, selector and matching type together: `3 1 1` and friends.
public struct TLSAParameters: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let usage: CertificateUsage
    public let selector: TLSASelector
    public let matchingType: TLSAMatchingType

    public init(_ usage: CertificateUsage, _ selector: TLSASelector, _ matchingType: TLSAMatchingType) {
        self.usage = usage
        self.selector = selector
        self.matchingType = matchingType
    }

    /// RFC 7672 §3.1.3's recommendation: DANE-EE, SPKI, SHA-256.
    public static let recommended = TLSAParameters(.daneEE, .spki, .sha256)

    /// `3 1 1`
    public var description: String { "\(usage.rawValue) \(selector.rawValue) \(matchingType.rawValue)" }

    /// `DANE-EE SPKI SHA2-256`, or the numbers where a value has no mnemonic.
    public var mnemonic: String {
        [
            usage.mnemonic ?? "\(usage.rawValue)", selector.mnemonic ?? "\(selector.rawValue)",
            matchingType.mnemonic ?? "\(matchingType.rawValue)",
        ].joined(separator: " ")
    }

    /// Parses `"3 1 1"` or `"DANE-EE SPKI SHA2-256"` (case-insensitive, mixed forms allowed).
    public init?(text: String) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { $0.uppercased() }
        guard fields.count == 3,
            let u = Self.field(fields[0], ["PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE"]),
            let s = Self.field(fields[1], ["CERT", "SPKI"]),
            let m = Self.field(fields[2], ["FULL", "SHA2-256", "SHA2-512"])
        else { return nil }
        self.init(CertificateUsage(rawValue: u), TLSASelector(rawValue: s), TLSAMatchingType(rawValue: m))
    }

    /// Whether `text` is a usable field in any position (a number 0-255 or a mnemonic).
    static func fieldValue(_ text: String) -> UInt8? {
        let upper = text.uppercased()
        return UInt8(upper)
            ?? [["PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE"], ["CERT", "SPKI"], ["FULL", "SHA2-256", "SHA2-512"]]
            .lazy.compactMap { field(upper, $0) }.first
    }

    private static func field(_ text: String, _ mnemonics: [String]) -> UInt8? {
        if let number = UInt8(text) { return number }
        return mnemonics.firstIndex(of: text).map(UInt8.init)
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.usage, a.selector, a.matchingType) < (b.usage, b.selector, b.matchingType)
    }
}

extension Array {
    func element(at index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
