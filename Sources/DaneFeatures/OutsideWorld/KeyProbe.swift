import DaneModel
import FoundationEssentials
import OpenSSLKit

/// What one MX address served, judged against a given TLSA set.
public struct ServedKey: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// The DANE handshake authenticated through this record of the set.
        case matched(TLSARecordData)
        /// The handshake completed but no record of the set matches what was presented.
        case mismatched
        /// SMTP or TLS went wrong on a server that answered (no STARTTLS, handshake failure).
        case failed(String)
        /// No SMTP session at all (connection refused, timed out): nothing could be checked.
        case unreachable(String)
    }

    public let outcome: Outcome
    /// SHA-256 of the SubjectPublicKeyInfo the server presented: its `3 1 1` data.
    public let presentedSPKISHA256: [UInt8]?

    public init(outcome: Outcome, presentedSPKISHA256: [UInt8]?) {
        self.outcome = outcome
        self.presentedSPKISHA256 = presentedSPKISHA256
    }
}

/// Connects to one address of an MX host and says which record of a TLSA set its key
/// matches, the way a DANE sender would: `World.keyProbe(timeout:)` asks the world's MX
/// session.
public protocol KeyProbe: Sendable {
    func probe(address: String, endpoint: TLSAEndpoint, records: [TLSARecordData]) -> ServedKey
}

extension DANERecord {
    init(_ record: TLSARecordData) {
        self.init(
            usage: record.parameters.usage.rawValue, selector: record.parameters.selector.rawValue,
            matchingType: record.parameters.matchingType.rawValue, data: record.associationData)
    }
}

extension TLSARecordData {
    init(_ record: DANERecord) {
        self.init(
            parameters: TLSAParameters(
                CertificateUsage(rawValue: record.usage), TLSASelector(rawValue: record.selector),
                TLSAMatchingType(rawValue: record.matchingType)),
            associationData: record.data)
    }
}
