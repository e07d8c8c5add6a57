import DaneModel
import LDNSKit

/// A DNS answer with the sender's view of its security.
public struct ClassifiedAnswer: Sendable {
    public let status: DNSSECStatus
    public let response: DNSResponse?
    /// Why `status` is bogus or failed, in the resolver's terms.
    public let problem: String?

    public var exists: Bool { response?.code == .noError && !(response?.answer.isEmpty ?? true) }
}

/// Asks the validating resolver and classifies each answer as a DANE sender must (RFC 7672
/// §2.1): AD set means secure; SERVFAIL that goes away with CD set means bogus (the data is
/// there but does not validate); other failures mean the lookup failed.
public struct SecureLookup: Sendable {
    public let resolver: StubResolver
    /// When set, answers are validated here from a trust anchor and the AD bit is ignored.
    public let validator: AnchoredValidator?

    public init(resolver: StubResolver, validator: AnchoredValidator? = nil) {
        self.resolver = resolver
        self.validator = validator
    }

    public func lookup(_ name: String, _ type: String) -> ClassifiedAnswer {
        if let validator {
            let (status, response, problem) = validator.lookup(name, type)
            let mapped: DNSSECStatus = switch status {
            case .secure: .secure
            case .insecure: .insecure
            case .bogus: .bogus
            case .failed: .failed
            }
            return ClassifiedAnswer(status: mapped, response: response, problem: problem)
        }
        let response: DNSResponse
        do {
            response = try resolver.query(name, type)
        } catch {
            return ClassifiedAnswer(status: .failed, response: nil, problem: error.description)
        }
        switch response.code {
        case .noError, .nxDomain:
            return ClassifiedAnswer(status: response.authenticated ? .secure : .insecure, response: response, problem: nil)
        case .servFail:
            if let unchecked = try? resolver.query(name, type, checkingDisabled: true),
               unchecked.code == .noError || unchecked.code == .nxDomain {
                return ClassifiedAnswer(status: .bogus, response: response,
                                        problem: "\(name) \(type) does not validate: the resolver answers only with checking disabled")
            }
            return ClassifiedAnswer(status: .failed, response: response, problem: "\(name) \(type): SERVFAIL from \(resolver.address)")
        case .refused:
            return ClassifiedAnswer(status: .failed, response: response, problem: "\(resolver.address) refused \(name) \(type)")
        case .other(let code):
            return ClassifiedAnswer(status: .failed, response: response, problem: "\(name) \(type): response code \(code)")
        }
    }
}
