/// RFC 7672's rule for which TLSA records an SMTP sender may use. The one place this rule
/// lives: `generate` refuses what it calls unusable, and `verify`, `rollover` and drift
/// ignore the same records.
public enum SMTPUsability {
    public enum Verdict: Sendable, Hashable {
        case usable
        case unusable(reason: String)

        public var isUsable: Bool { self == .usable }
    }

    public static func verdict(for parameters: TLSAParameters) -> Verdict {
        switch parameters.usage {
        case .pkixTA, .pkixEE:
            return .unusable(
                reason:
                    "usage \(parameters.usage.rawValue) (\(parameters.usage.mnemonic!)) is unusable for SMTP: "
                    + "RFC 7672 §3.1.3 tells senders to ignore PKIX usages, and Exchange Online does too; "
                    + "use 3 1 1 (DANE-EE) or 2 1 1 (DANE-TA)")
        case .daneTA, .daneEE:
            break
        default:
            return .unusable(
                reason:
                    "usage \(parameters.usage.rawValue) is not a defined certificate usage; use 3 (DANE-EE) or 2 (DANE-TA)"
            )
        }
        guard parameters.selector == .certificate || parameters.selector == .spki else {
            return .unusable(
                reason: "selector \(parameters.selector.rawValue) is not defined; use 1 (SPKI) or 0 (Cert)")
        }
        guard [.full, .sha256, .sha512].contains(parameters.matchingType) else {
            return .unusable(
                reason:
                    "matching type \(parameters.matchingType.rawValue) is not defined; use 1 (SHA-256) or 2 (SHA-512)")
        }
        return .usable
    }

    /// The parameters' verdict, and then the data's: a digest of the wrong length can match
    /// nothing (RFC 7671 §10.1.2), so senders treat the record as unusable.
    public static func verdict(for record: TLSARecordData) -> Verdict {
        let verdict = verdict(for: record.parameters)
        guard verdict.isUsable else { return verdict }
        let expected: Int? =
            switch record.parameters.matchingType {
            case .sha256: 32
            case .sha512: 64
            default: nil
            }
        if let expected, record.associationData.count != expected {
            return .unusable(
                reason: "the digest is \(record.associationData.count) bytes; matching type "
                    + "\(record.parameters.matchingType.rawValue) needs \(expected)")
        }
        return .usable
    }
}
