/// NSEC3's hash parameters (RFC 5155 §3.1), and the one place RFC 9276's advice lives:
/// SHA-1, no extra iterations, no salt (more of either costs validators and gains nothing).
public struct NSEC3Parameters: Sendable, Hashable {
    /// 1 = SHA-1, the only hash algorithm defined.
    public let hashAlgorithm: UInt8
    public let iterations: UInt16
    public let salt: [UInt8]

    public init(hashAlgorithm: UInt8, iterations: UInt16, salt: [UInt8]) {
        self.hashAlgorithm = hashAlgorithm
        self.iterations = iterations
        self.salt = salt
    }

    /// RFC 9276 §3.1: what every signer should publish.
    public static let rfc9276 = NSEC3Parameters(hashAlgorithm: 1, iterations: 0, salt: [])

    /// The NSEC3PARAM RDATA (flags 0): `1 0 0 -`.
    public var paramPresentation: String { presentation(flags: 0) }

    /// The start of an NSEC3 record's RDATA, before the next hashed owner: `1 1 0 - ` with
    /// opt-out (RFC 5155 §3.1.2.1, flag bit 0), `1 0 0 - ` without.
    public func recordPrefix(optOut: Bool) -> String { presentation(flags: optOut ? 1 : 0) + " " }

    /// The wire form of the same fields: algorithm, flags, iterations, salt length and salt.
    public func wirePrefix(optOut: Bool) -> [UInt8] {
        [hashAlgorithm, optOut ? 1 : 0, UInt8(iterations >> 8), UInt8(iterations & 0xff), UInt8(salt.count)] + salt
    }

    private func presentation(flags: UInt8) -> String {
        "\(hashAlgorithm) \(flags) \(iterations) \(salt.isEmpty ? "-" : Hex.encode(salt))"
    }
}
