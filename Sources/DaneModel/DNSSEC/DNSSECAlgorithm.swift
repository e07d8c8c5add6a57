/// DNSSEC signing algorithms danectl makes keys for (IANA numbers, RFC 8624 recommendations).
/// Accepts what BIND and ldns users type: `13`, `ECDSAP256SHA256`, `ecdsap256sha256`.
public enum DNSSECAlgorithm: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case rsasha256 = 8
    case ecdsap256sha256 = 13
    case ed25519 = 15

    public var mnemonic: String {
        switch self {
        case .rsasha256: "RSASHA256"
        case .ecdsap256sha256: "ECDSAP256SHA256"
        case .ed25519: "ED25519"
        }
    }

    public var description: String { mnemonic }

    /// `13`, `ECDSAP256SHA256` or `ecdsap256sha256` (and the same for 8 and 15).
    public init?(text: String) {
        if let number = UInt8(text), let algorithm = DNSSECAlgorithm(rawValue: number) { self = algorithm; return }
        guard let algorithm = Self.allCases.first(where: { $0.mnemonic.lowercased() == text.lowercased() }) else {
            return nil
        }
        self = algorithm
    }

    /// Key size in bits for generation.
    public var keyBits: UInt16 {
        switch self {
        case .rsasha256: 2048
        case .ecdsap256sha256, .ed25519: 256
        }
    }
}
