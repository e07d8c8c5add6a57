import DaneModel
import FoundationEssentials

/// Everything a feature run asks of the outside world, made once at the CLI edge (`.live`) and
/// passed to every run; tests pass a scripted one. Four doors: the DNS, the MX session, the
/// HTTPS fetch of MTA-STS policies, and the clock.
public struct World: Sendable {
    public var dns: any ResolverSource
    public var mx: any MXSession
    public var https: any PolicySource
    public var clock: any Clock

    public init(dns: any ResolverSource, mx: any MXSession, https: any PolicySource, clock: any Clock) {
        self.dns = dns
        self.mx = mx
        self.https = https
        self.clock = clock
    }

    /// The real world: the resolver asked, port 25 and 443 on the network, the system clock.
    public static let live = World(
        dns: LiveResolvers(), mx: STARTTLSProbe(), https: PolicyFetch(), clock: SystemClock())

    /// The validating lookup a run uses, refused when the resolver does not answer at all:
    /// "everything failed" must not be reported when the resolver itself is not there.
    /// `purpose` ends the message with what the run needed it for.
    public func answeringLookup(
        resolver: String?, trustAnchor: String? = nil, timeout: TimeInterval, purpose: String
    )
        throws(DiagnosticError) -> (lookup: any DNSLookup, mode: SecureLookup.Mode)
    {
        let chosen = try dns.secureLookup(resolver: resolver, trustAnchor: trustAnchor, timeout: min(5, timeout))
        let name = resolver ?? "from /etc/resolv.conf"
        guard chosen.lookup.resolverAnswers() else {
            throw DiagnosticError(
                .error(
                    .unavailable("resolver-unreachable"),
                    "the resolver \(name) does not answer; check --resolver (\(purpose))"))
        }
        // An authoritative server answers only for its own zones: every verdict through it would
        // be about the wrong world ("insecure" MX, missing records). Said before any verdict.
        // (With --trust-anchor the answers are validated here, and an authoritative server that
        // serves every zone on the path, as in a test lab, will do.)
        if trustAnchor == nil, case .notRecursive(let why) = chosen.lookup.resolverRecursion() {
            throw DiagnosticError(
                .error(
                    .unavailable("resolver-not-recursive"),
                    "\(name) is not a recursive resolver (\(why)): it looks like an "
                        + "authoritative server, which answers only for its own zones; point --resolver at a recursive, validating resolver, "
                        + "or leave it out to use /etc/resolv.conf's (\(purpose))"))
        }
        return chosen
    }

    /// The rollover's view of the MX session: which record of a TLSA set a server's key matches.
    public func keyProbe(timeout: TimeInterval) -> any KeyProbe { MXSessionKeyProbe(session: mx, timeout: timeout) }
}

/// Where "now" comes from. Only `SystemClock` reads the system's time.
public protocol Clock: Sendable {
    func now() -> Date
}

/// The machine's clock.
public struct SystemClock: Clock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that always says the same time (tests, and runs told `--now`).
public struct FixedClock: Clock {
    public let time: Date
    public init(_ time: Date) { self.time = time }
    public func now() -> Date { time }
}

/// Makes the DNS lookup for a run: the resolver to ask and how its answers are judged secure.
public protocol ResolverSource: Sendable {
    func secureLookup(
        resolver: String?, trustAnchor: String?, timeout: TimeInterval
    )
        throws(DiagnosticError) -> (lookup: any DNSLookup, mode: SecureLookup.Mode)
}

/// The real resolvers: `SecureLookup.choosing` (AD trusted when the resolver validates, else
/// validated here from the anchors).
public struct LiveResolvers: ResolverSource {
    public init() {}
    public func secureLookup(
        resolver: String?, trustAnchor: String?, timeout: TimeInterval
    )
        throws(DiagnosticError) -> (lookup: any DNSLookup, mode: SecureLookup.Mode)
    {
        let (lookup, mode) = try SecureLookup.choosing(resolver: resolver, trustAnchor: trustAnchor, timeout: timeout)
        return (lookup, mode)
    }
}
