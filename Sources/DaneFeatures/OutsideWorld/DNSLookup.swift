import DaneModel

/// The DNS as the features see it: the validating resolver's classified answers, and
/// authoritative servers asked directly. `SecureLookup` is the real one; tests script one.
public protocol DNSLookup: Sendable {
    /// Asks the validating resolver and classifies the answer as a DANE sender does.
    func lookup(_ name: DNSName, _ type: RRType) -> ClassifiedAnswer
    /// Asks one authoritative server (`IP` or `IP:PORT`) directly, without recursion.
    func ask(server: String, _ name: DNSName, _ type: RRType) throws(ResolverError) -> DNSResponse
    /// Whether the resolver answers at all (a question about the root): without it nothing
    /// can be checked, which is a different answer from "the domain is broken".
    func resolverAnswers() -> Bool
    /// Whether the resolver recurses: an authoritative-only server answers, but only for its
    /// own zones, so every verdict through it would be about the wrong world.
    func resolverRecursion() -> ResolverRecursion
    /// The resolver's answer with checking disabled (CD), signatures included: the raw data a
    /// bogus answer is made of, for finding which link broke. nil when it cannot be asked.
    func unchecked(_ name: DNSName, _ type: RRType) -> DNSResponse?
    /// The trust anchors answers are validated from here (presentation text), nil when the
    /// resolver's AD bit is trusted instead.
    var trustAnchors: String? { get }
    /// A pipeline for asking many questions at once, with answers classified as `lookup`
    /// classifies them; nil where each question must be asked alone.
    func answerPipeline() -> AnswerPipeline?
}

/// What a question about the root told of the resolver.
public enum ResolverRecursion: Sendable, Equatable {
    case recursive
    /// Not a recursive resolver, and why (REFUSED for the root, RA clear).
    case notRecursive(String)
}

extension DNSLookup {
    public func resolverRecursion() -> ResolverRecursion { .recursive }
    public func unchecked(_ name: DNSName, _ type: RRType) -> DNSResponse? { nil }
    public var trustAnchors: String? { nil }
    public func answerPipeline() -> AnswerPipeline? { nil }
}

/// A DNS answer with the sender's view of its security.
public struct ClassifiedAnswer: Sendable {
    public let status: DNSSECStatus
    public let response: DNSResponse?
    /// Why `status` is bogus or failed, in the resolver's terms.
    public let problem: String?

    public init(status: DNSSECStatus, response: DNSResponse?, problem: String?) {
        self.status = status
        self.response = response
        self.problem = problem
    }

    public var exists: Bool { response?.code == .noError && !(response?.answer.isEmpty ?? true) }
}
