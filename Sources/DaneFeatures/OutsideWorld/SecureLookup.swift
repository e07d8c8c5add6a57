import DaneModel
import Foundation
import LDNSKit

/// The real `DNSLookup`: asks the validating resolver and classifies each answer as a DANE
/// sender must (RFC 7672 §2.1): AD set means secure; SERVFAIL that goes away with CD set
/// means bogus (the data is there but does not validate); other failures mean the lookup
/// failed. With a trust anchor, answers are validated here and the AD bit is ignored.
public struct SecureLookup: DNSLookup {
    let resolver: StubResolver
    let validator: AnchoredValidator?
    let timeout: TimeInterval

    /// `resolver`: `IP[:PORT]`, or nil for /etc/resolv.conf's. `trustAnchor`: a file of DS or
    /// DNSKEY records to validate from.
    public init(resolver address: String?, trustAnchor: String? = nil, timeout: TimeInterval = 5) throws(DiagnosticError) {
        do {
            resolver = try StubResolver(address: address, timeout: timeout)
        } catch {
            throw DiagnosticError(.error("resolver-address", error.description))
        }
        if let trustAnchor {
            guard FileManager.default.isReadableFile(atPath: trustAnchor) else {
                throw DiagnosticError(.error("trust-anchor-unreadable", "cannot read the trust anchor file", at: SourceLocation(file: trustAnchor)))
            }
            do { validator = try AnchoredValidator(address: address, anchorFile: trustAnchor, timeout: timeout) } catch {
                throw DiagnosticError(.error("trust-anchor-invalid", error.description, at: SourceLocation(file: trustAnchor)))
            }
        } else {
            validator = nil
        }
        self.timeout = timeout
    }

    public var resolverName: String { resolver.address }

    public func resolverAnswers() -> Bool { (try? resolver.query(DNSName(labels: []), .soa)) != nil }

    public func ask(server: String, _ name: DNSName, _ type: RRType) throws(ResolverError) -> DNSResponse {
        try StubResolver(address: server, timeout: timeout, recursive: false).query(name, type)
    }

    public func lookup(_ name: DNSName, _ type: RRType) -> ClassifiedAnswer {
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
        if let (record, reason) = response.malformed.first {
            return ClassifiedAnswer(status: .failed, response: response, problem: "\(record.owner) \(record.type): malformed answer: \(reason)")
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
