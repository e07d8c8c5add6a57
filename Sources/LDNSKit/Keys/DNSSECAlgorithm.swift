/// DNSSEC signing algorithms danectl makes keys for (IANA numbers, RFC 8624 recommendations).
public enum DNSSECAlgorithm: UInt8, Sendable, CaseIterable {
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

    /// Key size in bits for generation.
    var bits: UInt16 {
        switch self {
        case .rsasha256: 2048
        case .ecdsap256sha256, .ed25519: 256
        }
    }
}
