import DaneModel
import Foundation
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
/// matches, the way a DANE sender would. The real one speaks SMTP, STARTTLS and TLS under
/// OpenSSL's DANE verifier; tests script one.
public protocol KeyProbe: Sendable {
    func probe(address: String, endpoint: TLSAEndpoint, records: [TLSARecordData]) -> ServedKey
}

/// The real `KeyProbe`: `STARTTLSProbe` on the endpoint's port, within `timeout` seconds.
public struct STARTTLSKeyProbe: KeyProbe {
    public let timeout: TimeInterval

    public init(timeout: TimeInterval) { self.timeout = timeout }

    public func probe(address: String, endpoint: TLSAEndpoint, records: [TLSARecordData]) -> ServedKey {
        let result = STARTTLSProbe(timeout: timeout).run(address: address, port: endpoint.port, baseDomain: endpoint.base.fqdn,
                                                         mxHost: endpoint.host.fqdn, records: records.map(DANERecord.init))
        switch result.stage {
        case .networkError(let why):
            return ServedKey(outcome: .unreachable(why), presentedSPKISHA256: nil)
        case .noSTARTTLS(let why), .smtpError(let why):
            return ServedKey(outcome: .failed(why), presentedSPKISHA256: nil)
        case .refusedAfterTLS(let handshake, let why):
            // The key may match, but no mail gets through: not a state to call safe.
            return ServedKey(outcome: .failed(why), presentedSPKISHA256: handshake.chain.first.map { Digest.hash($0.subjectPublicKeyInfoDER, with: .sha256) })
        case .connected(let handshake):
            let presented = handshake.chain.first.map { Digest.hash($0.subjectPublicKeyInfoDER, with: .sha256) }
            guard handshake.completed else {
                return ServedKey(outcome: .failed(handshake.handshakeError ?? "the TLS handshake failed"), presentedSPKISHA256: presented)
            }
            if handshake.authenticated, let matched = handshake.matched {
                return ServedKey(outcome: .matched(TLSARecordData(matched)), presentedSPKISHA256: presented)
            }
            return ServedKey(outcome: .mismatched, presentedSPKISHA256: presented)
        }
    }
}

extension DANERecord {
    init(_ record: TLSARecordData) {
        self.init(usage: record.parameters.usage.rawValue, selector: record.parameters.selector.rawValue,
                  matchingType: record.parameters.matchingType.rawValue, data: record.associationData)
    }
}

extension TLSARecordData {
    init(_ record: DANERecord) {
        self.init(parameters: TLSAParameters(CertificateUsage(rawValue: record.usage), TLSASelector(rawValue: record.selector),
                                             TLSAMatchingType(rawValue: record.matchingType)),
                  associationData: record.data)
    }
}
