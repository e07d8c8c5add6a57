/// DNS resource record types (IANA "Resource Record (RR) TYPEs"), as an open set: any 16-bit
/// value is representable, and unknown ones print as `TYPE65534` (RFC 3597 §5). The one RR-type
/// vocabulary: the constants are inlinable so the signer's hot loops compare plain integers.
@frozen public struct RRType: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    @inlinable public static var a: RRType { RRType(rawValue: 1) }
    @inlinable public static var ns: RRType { RRType(rawValue: 2) }
    @inlinable public static var cname: RRType { RRType(rawValue: 5) }
    @inlinable public static var soa: RRType { RRType(rawValue: 6) }
    @inlinable public static var mx: RRType { RRType(rawValue: 15) }
    @inlinable public static var txt: RRType { RRType(rawValue: 16) }
    @inlinable public static var aaaa: RRType { RRType(rawValue: 28) }
    @inlinable public static var dname: RRType { RRType(rawValue: 39) }
    @inlinable public static var ds: RRType { RRType(rawValue: 43) }
    @inlinable public static var rrsig: RRType { RRType(rawValue: 46) }
    @inlinable public static var nsec: RRType { RRType(rawValue: 47) }
    @inlinable public static var dnskey: RRType { RRType(rawValue: 48) }
    @inlinable public static var nsec3: RRType { RRType(rawValue: 50) }
    @inlinable public static var nsec3param: RRType { RRType(rawValue: 51) }
    @inlinable public static var tlsa: RRType { RRType(rawValue: 52) }
    @inlinable public static var cds: RRType { RRType(rawValue: 59) }
    @inlinable public static var cdnskey: RRType { RRType(rawValue: 60) }

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
