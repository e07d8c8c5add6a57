import DaneModel
import FoundationEssentials
import LDNSKit
import Synchronization
import ThreadKit

/// The real `DNSLookup`: asks the validating resolver and classifies each answer as a DANE
/// sender must (RFC 7672 §2.1): AD set means secure; SERVFAIL that goes away with CD set
/// means bogus (the data is there but does not validate); other failures mean the lookup
/// failed. With a trust anchor, answers are validated here and the AD bit is ignored.
public struct SecureLookup: DNSLookup {
    let resolvers: ResolverPool
    let validator: ValidatorPool?
    let timeout: TimeInterval
    public let trustAnchors: String?

    /// `resolver`: `IP[:PORT]`, or nil for /etc/resolv.conf's. `trustAnchor`: a file of DS or
    /// DNSKEY records to validate from.
    public init(
        resolver address: String?, trustAnchor: String? = nil, timeout: TimeInterval = 5
    ) throws(DiagnosticError) {
        do {
            resolvers = try ResolverPool(address: address, timeout: timeout)
        } catch {
            throw DiagnosticError(.error(.usage("usage-resolver-address"), error.description))
        }
        if let trustAnchor {
            guard FileManager.default.isReadableFile(atPath: trustAnchor) else {
                throw DiagnosticError(
                    .error(
                        .noInput("trust-anchor-unreadable"), "cannot read the trust anchor file",
                        at: SourceLocation(file: trustAnchor)))
            }
            let text = (try? String(contentsOfFile: trustAnchor, encoding: .utf8)) ?? ""
            do {
                validator = try ValidatorPool(address: address, anchors: text, source: trustAnchor, timeout: timeout)
            } catch {
                throw DiagnosticError(
                    .error(.badData("trust-anchor-invalid"), error.description, at: SourceLocation(file: trustAnchor)))
            }
            trustAnchors = text
        } else {
            validator = nil
            trustAnchors = nil
        }
        self.timeout = timeout
    }

    public var resolverName: String { resolvers.address }

    /// How answers are judged secure, and why.
    public enum Mode: Sendable, Equatable {
        /// The resolver validates; its AD bit is trusted (what Postfix does).
        case resolverValidates
        /// `--trust-anchor FILE`: validated here from that file.
        case trustAnchorFile(String)
        /// The resolver does not validate: validated here from the built-in IANA root anchors.
        case builtInRootAnchors
    }

    /// The lookup verify and the rollover gate use: with `--trust-anchor`, validate from it; else
    /// trust the resolver's AD bit when it validates, and when it does not (a signed root
    /// without AD), validate here from the built-in IANA root anchors instead of reporting
    /// every signed domain as unsigned.
    public static func choosing(
        resolver address: String?, trustAnchor: String?, timeout: TimeInterval
    ) throws(DiagnosticError) -> (SecureLookup, Mode) {
        if let trustAnchor {
            return (
                try SecureLookup(resolver: address, trustAnchor: trustAnchor, timeout: timeout),
                .trustAnchorFile(trustAnchor)
            )
        }
        let plain = try SecureLookup(resolver: address, timeout: timeout)
        guard let root = try? plain.resolvers.query(DNSName(labels: []), .dnskey), root.code == .noError,
            !root.authenticated,
            !root.answer.isEmpty
        else {
            return (plain, .resolverValidates)
        }
        do {
            let validator = try ValidatorPool(
                address: address, anchors: RootAnchors.iana, source: "built-in root anchors", timeout: timeout)
            return (
                SecureLookup(
                    resolvers: plain.resolvers, validator: validator, anchors: RootAnchors.iana, timeout: timeout),
                .builtInRootAnchors
            )
        } catch {
            throw DiagnosticError(.error(.unavailable("unavailable-resolver"), error.description))
        }
    }

    private init(resolvers: ResolverPool, validator: ValidatorPool?, anchors: String?, timeout: TimeInterval) {
        self.resolvers = resolvers
        self.validator = validator
        self.trustAnchors = anchors
        self.timeout = timeout
    }

    public func resolverAnswers() -> Bool { (try? resolvers.query(DNSName(labels: []), .soa)) != nil }

    public func resolverRecursion() -> ResolverRecursion {
        guard let root = try? resolvers.query(DNSName(labels: []), .soa) else { return .recursive }
        if root.code == .refused { return .notRecursive("it REFUSED a question about the root") }
        if !root.recursionAvailable { return .notRecursive("its answers have the RA (recursion available) bit clear") }
        return .recursive
    }

    public func unchecked(_ name: DNSName, _ type: RRType) -> DNSResponse? {
        try? resolvers.query(name, type, checkingDisabled: true)
    }

    public func ask(server: String, _ name: DNSName, _ type: RRType) throws(ResolverError) -> DNSResponse {
        try StubResolver(address: server, timeout: timeout, recursive: false).query(name, type)
    }

    /// Malformed RDATA (short, empty, too long for its type) makes the lookup fail in both
    /// modes: a hostile server's record must never reach the verdicts as data.
    public func lookup(_ name: DNSName, _ type: RRType) -> ClassifiedAnswer {
        Self.refusingMalformed(classify(name, type))
    }

    static func refusingMalformed(_ answer: ClassifiedAnswer) -> ClassifiedAnswer {
        if answer.status == .secure || answer.status == .insecure, let response = answer.response,
            let (record, reason) = response.malformed.first
        {
            return ClassifiedAnswer(
                status: .failed, response: response,
                problem: "\(record.owner) \(record.type): malformed answer: \(reason)")
        }
        return answer
    }

    /// An answer that settles the question by itself (NOERROR or NXDOMAIN), classified by the
    /// resolver's AD bit; nil for the rest, which need a second question or a named failure.
    static func settled(_ response: DNSResponse) -> ClassifiedAnswer? {
        response.code == .noError || response.code == .nxDomain ? byADBit(response) : nil
    }

    private static func byADBit(_ response: DNSResponse) -> ClassifiedAnswer {
        ClassifiedAnswer(status: response.authenticated ? .secure : .insecure, response: response, problem: nil)
    }

    /// Many questions in flight at once (see `AnswerPipeline`), when the resolver's AD bit is
    /// what answers are judged by; nil with a trust anchor (each answer is validated here).
    public func answerPipeline() -> AnswerPipeline? {
        guard validator == nil, let pipeline = try? QueryPipeline(address: resolvers.server, timeout: timeout) else {
            return nil
        }
        return AnswerPipeline(pipeline)
    }

    private func classify(_ name: DNSName, _ type: RRType) -> ClassifiedAnswer {
        if let validator {
            let (status, response, problem) = validator.with { $0.lookup(name, type) }
            let mapped: DNSSECStatus =
                switch status {
                case .secure: .secure
                case .insecure: .insecure
                case .bogus: .bogus
                case .failed: .failed
                }
            return ClassifiedAnswer(status: mapped, response: response, problem: problem)
        }
        let response: DNSResponse
        do {
            response = try resolvers.query(name, type)
        } catch {
            return ClassifiedAnswer(status: .failed, response: nil, problem: error.description)
        }
        switch response.code {
        case .noError, .nxDomain:
            return Self.byADBit(response)
        case .servFail:
            if let unchecked = try? resolvers.query(name, type, checkingDisabled: true),
                unchecked.code == .noError || unchecked.code == .nxDomain
            {
                return ClassifiedAnswer(
                    status: .bogus, response: response,
                    problem: "\(name) \(type) does not validate: the resolver answers only with checking disabled")
            }
            return ClassifiedAnswer(
                status: .failed, response: response, problem: "\(name) \(type): SERVFAIL from \(resolvers.address)")
        case .refused:
            return ClassifiedAnswer(
                status: .failed, response: response, problem: "\(resolvers.address) refused \(name) \(type)")
        case .other(let code):
            return ClassifiedAnswer(
                status: .failed, response: response, problem: "\(name) \(type): response code \(code)")
        }
    }
}

/// Stub resolvers to the same server, one per concurrent query: a thread takes an idle one (or
/// makes one) and puts it back, so lookups from many probe threads never wait on each other's
/// round trips; the mutex guards only the idle list.
final class ResolverPool: @unchecked Sendable {
    let address: String
    /// As given (`IP[:PORT]`, nil for /etc/resolv.conf's).
    let server: String?
    private let timeout: TimeInterval
    /// ThreadKit.Lock (a plain mutex), not Synchronization's Mutex: every lookup of a run takes and returns a resolver
    /// here, and under contention Mutex's priority-inheritance futex spun and went through the
    /// kernel's rt-mutex (15% of a provider's warm run); a plain futex just waits its turn.
    private let lock = Lock()
    private var idle: [StubResolver]

    init(address: String?, timeout: TimeInterval) throws(ResolverError) {
        let first = try StubResolver(address: address, timeout: timeout)
        self.address = first.address
        server = address
        self.timeout = timeout
        idle = [first]
    }

    func query(_ name: DNSName, _ type: RRType, checkingDisabled: Bool = false) throws(ResolverError) -> DNSResponse {
        let resolver: StubResolver
        if let taken = lock.withLock({ idle.popLast() }) {
            resolver = taken
        } else {
            resolver = try StubResolver(address: server, timeout: timeout)
        }
        defer { lock.withLock { idle.append(resolver) } }
        return try resolver.query(name, type, checkingDisabled: checkingDisabled)
    }
}

/// Validators from the same anchors, one per concurrent lookup (each holds its own ldns
/// resolver, which is not thread-safe): lookups from many threads never wait on each other.
final class ValidatorPool: Sendable {
    private let address: String?
    private let anchors: String
    private let source: String
    private let timeout: TimeInterval
    private let idle: Mutex<[AnchoredValidator]>
    /// Shared when another cannot be made (each validator serialises its own use).
    private let first: AnchoredValidator

    init(address: String?, anchors: String, source: String, timeout: TimeInterval) throws(ResolverError) {
        first = try AnchoredValidator(address: address, anchors: anchors, source: source, timeout: timeout)
        self.address = address
        self.anchors = anchors
        self.source = source
        self.timeout = timeout
        idle = Mutex([])
    }

    func with<T>(_ body: (AnchoredValidator) -> T) -> T {
        guard
            let validator = idle.withLock({ $0.popLast() })
                ?? (try? AnchoredValidator(address: address, anchors: anchors, source: source, timeout: timeout))
        else {
            return body(first)
        }
        defer { idle.withLock { $0.append(validator) } }
        return body(validator)
    }
}
