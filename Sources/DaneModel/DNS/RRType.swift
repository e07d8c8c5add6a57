/// DNS resource record types (IANA "Resource Record (RR) TYPEs"), as an open set: any 16-bit
/// value is representable, and unknown ones print as `TYPE65534` (RFC 3597 §5).
public struct RRType: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let a = RRType(rawValue: 1)
    public static let ns = RRType(rawValue: 2)
    public static let cname = RRType(rawValue: 5)
    public static let soa = RRType(rawValue: 6)
    public static let mx = RRType(rawValue: 15)
    public static let txt = RRType(rawValue: 16)
    public static let aaaa = RRType(rawValue: 28)
    public static let dname = RRType(rawValue: 39)
    public static let ds = RRType(rawValue: 43)
    public static let rrsig = RRType(rawValue: 46)
    public static let nsec = RRType(rawValue: 47)
    public static let dnskey = RRType(rawValue: 48)
    public static let nsec3 = RRType(rawValue: 50)
    public static let nsec3param = RRType(rawValue: 51)
    public static let tlsa = RRType(rawValue: 52)
    public static let cds = RRType(rawValue: 59)
    public static let cdnskey = RRType(rawValue: 60)

    private static let mnemonics: [UInt16: String] = [
        1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 15: "MX", 16: "TXT", 28: "AAAA", 39: "DNAME", 43: "DS", 46: "RRSIG",
        47: "NSEC", 48: "DNSKEY", 50: "NSEC3", 51: "NSEC3PARAM", 52: "TLSA", 59: "CDS", 60: "CDNSKEY",
    ]
    private static let byMnemonic = Dictionary(uniqueKeysWithValues: mnemonics.map { ($0.value, $0.key) })

    /// `TLSA`, or `TYPE65534` for a type without a mnemonic here.
    public var description: String { Self.mnemonics[rawValue] ?? "TYPE\(rawValue)" }

    /// Parses `TLSA`, `tlsa` or `TYPE52`.
    public init?(mnemonic text: String) {
        let upper = text.uppercased()
        if let value = Self.byMnemonic[upper] { self.init(rawValue: value); return }
        guard upper.hasPrefix("TYPE"), let value = UInt16(upper.dropFirst(4)) else { return nil }
        self.init(rawValue: value)
    }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}
