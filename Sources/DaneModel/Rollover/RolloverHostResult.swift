import FoundationEssentials

/// One reason in a rollover verdict: a stable code for scripts and tests, and the sentence.
public struct RolloverFinding: Sendable, Codable, Equatable {
    public let code: String
    public let message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// The gate's verdict on one host.
public struct RolloverHostResult: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable, Comparable {
        case safe
        /// Everything is in place but caches may still hold the old set: try again later.
        case wait
        /// Deploying now would break mail (or the deployment went wrong).
        case unsafe
        /// Nothing to check: the host has no next key.
        case refused
        /// Bogus or failing DNS answers.
        case dnsProblem = "dns-problem"
        /// A server that must be asked (resolver, name server, MX) could not be reached.
        case unavailable

        /// Worst first when combining hosts: DNS problems, then could-not-check, then unsafe.
        public var severity: Int {
            switch self {
            case .safe: 0
            case .wait: 1
            case .refused: 2
            case .unsafe: 3
            case .unavailable: 4
            case .dnsProblem: 5
            }
        }

        public static func < (a: Self, b: Self) -> Bool { a.severity < b.severity }
    }

    public let host: String
    public let state: State
    public let findings: [RolloverFinding]
    public let earliestSafe: Date?
    public let nextRecords: [String]
    /// The next hashes were seen on the resolver and every authoritative server.
    public let publishedEverywhere: Bool

    public init(
        host: String, state: State, findings: [RolloverFinding], earliestSafe: Date?, nextRecords: [String],
        publishedEverywhere: Bool
    ) {
        self.host = host
        self.state = state
        self.findings = findings
        self.earliestSafe = earliestSafe
        self.nextRecords = nextRecords
        self.publishedEverywhere = publishedEverywhere
    }

    public var reasons: [String] { findings.map(\.message) }
    public var codes: [String] { findings.map(\.code) }
}

extension RolloverHostResult.State {
    /// The gate's verdict as an exit status: safe 0, wait 75 (try again later), unsafe or
    /// refused 1, a DNS problem 2, could not ask 69.
    public var exitStatus: ExitStatus {
        switch self {
        case .safe: .success
        case .wait: .tryLater
        case .unsafe, .refused: .verdictFailure
        case .dnsProblem: .verdictDNSProblem
        case .unavailable: .unavailable
        }
    }
}
