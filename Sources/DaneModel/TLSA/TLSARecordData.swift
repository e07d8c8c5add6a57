/// The RDATA of one TLSA record (RFC 6698 §2): parameters and certificate association data.
/// Built by `generate`, decoded from live answers (`RecordData`), parsed from and printed to
/// presentation form; live and intended sets are compared as sets of these values.
public struct TLSARecordData: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let parameters: TLSAParameters
    public let associationData: [UInt8]

    public init(parameters: TLSAParameters, associationData: [UInt8]) {
        self.parameters = parameters
        self.associationData = associationData
    }

    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case fieldCount(Int), field(String), hex, emptyData

        public var description: String {
            switch self {
            case .fieldCount(let n): "a TLSA record has usage, selector, matching type and data; found \(n) field(s)"
            case .field(let text): "\"\(text)\" is not a number from 0 to 255 or a known mnemonic"
            case .hex: "the certificate association data is not hexadecimal"
            case .emptyData: "the certificate association data is empty"
            }
        }
    }

    /// RFC 6698 §2.2 presentation form: `3 1 1 <hex>`; mnemonics (RFC 7218) and hex split by
    /// spaces are accepted.
    public init(presentation text: String) throws(ParseError) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 4 else { throw .fieldCount(fields.count) }
        let head = fields.prefix(3).joined(separator: " ")
        guard let parameters = TLSAParameters(text: head) else {
            throw .field(String(fields.prefix(3).first { TLSAParameters.fieldValue(String($0)) == nil } ?? fields[0]))
        }
        guard let data = Hex.decode(fields[3...].joined()) else { throw .hex }
        guard !data.isEmpty else { throw .emptyData }
        self.init(parameters: parameters, associationData: data)
    }

    /// `3 1 1 <hex>`, hex in lower case.
    public var description: String { "\(parameters) \(Hex.encode(associationData))" }

    /// RFC 6698 §2.1 wire form.
    public var wire: [UInt8] {
        [parameters.usage.rawValue, parameters.selector.rawValue, parameters.matchingType.rawValue] + associationData
    }

    public static func < (a: Self, b: Self) -> Bool {
        a.parameters != b.parameters
            ? a.parameters < b.parameters
            : a.associationData.lexicographicallyPrecedes(b.associationData)
    }
}
