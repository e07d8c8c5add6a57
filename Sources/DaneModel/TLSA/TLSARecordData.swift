/// The RDATA of one TLSA record: parameters and certificate association data.
public struct TLSARecordData: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let parameters: TLSAParameters
    public let associationData: [UInt8]

    public init(parameters: TLSAParameters, associationData: [UInt8]) {
        self.parameters = parameters
        self.associationData = associationData
    }

    /// RFC 6698 §2.2 presentation form: `3 1 1 <hex>`, hex in lower case.
    public var description: String { "\(parameters) \(Hex.encode(associationData))" }

    /// The owner name senders query: `_<port>._tcp.<host>` (RFC 6698 §3, RFC 7672 §2.2).
    public static func ownerName(host: DNSName, port: UInt16) -> DNSName {
        host.prepending("_tcp").prepending("_\(port)")
    }

    public static func < (a: Self, b: Self) -> Bool {
        a.parameters != b.parameters
            ? a.parameters < b.parameters
            : a.associationData.lexicographicallyPrecedes(b.associationData)
    }
}

public enum Hex {
    public static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
