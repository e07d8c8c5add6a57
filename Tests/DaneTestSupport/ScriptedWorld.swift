import DaneFeatures
import DaneModel
import Foundation

/// A DNS world scripted by the test: the validating resolver's answers, and each
/// authoritative server's. Unscripted questions get a secure NODATA, like a signed zone.
public final class ScriptedDNS: DNSLookup, @unchecked Sendable {
    public init() {}
    private let lock = NSLock()
    public var answers: [String: ClassifiedAnswer] = [:]
    public var servers: [String: [String: DNSResponse]] = [:]
    public var deadServers: Set<String> = []
    public var resolverUp = true

    public static func key(_ name: DNSName, _ type: RRType) -> String { "\(name.fqdn) \(type)" }

    /// Seconds each resolver lookup takes (a slow name server), outside the lock.
    public var lookupDelay: TimeInterval = 0

    public func lookup(_ name: DNSName, _ type: RRType) -> ClassifiedAnswer {
        let delay = lock.withLock { lookupDelay }
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        lock.lock(); defer { lock.unlock() }
        return answers[Self.key(name, type)]
            ?? ClassifiedAnswer(
                status: .secure, response: DNSResponse(code: .noError, authenticated: true, answer: []), problem: nil)
    }

    public func ask(server: String, _ name: DNSName, _ type: RRType) throws(ResolverError) -> DNSResponse {
        lock.lock(); defer { lock.unlock() }
        if deadServers.contains(server) { throw ResolverError(description: "\(server) did not answer: timed out") }
        return servers[server]?[Self.key(name, type)] ?? DNSResponse(code: .noError, authenticated: false, answer: [])
    }

    public func resolverAnswers() -> Bool { resolverUp }
    public var recursion = ResolverRecursion.recursive
    public func resolverRecursion() -> ResolverRecursion { recursion }

    /// Sets a secure (or other) answer at the resolver.
    public func answer(
        _ name: String, _ type: RRType, _ data: [RecordData], ttl: UInt32 = 300, status: DNSSECStatus = .secure
    ) {
        let owner = DNSName(presentation: name)!
        let records = data.map { DNSRecord(owner: owner, type: Self.type(of: $0, answering: type), ttl: ttl, data: $0) }
        let response = DNSResponse(code: .noError, authenticated: status == .secure, answer: records)
        answers[Self.key(owner, type)] = ClassifiedAnswer(
            status: status, response: response,
            problem: status == .bogus || status == .failed ? "scripted \(status)" : nil)
    }

    /// A signature in a scripted answer is an RRSIG record, as on the wire.
    public static func type(of data: RecordData, answering type: RRType) -> RRType {
        if case .rrsig = data { return .rrsig }
        return type
    }

    /// Sets what one authoritative server serves.
    public func serve(_ server: String, _ name: String, _ type: RRType, _ data: [RecordData], ttl: UInt32 = 300) {
        let owner = DNSName(presentation: name)!
        var response = DNSResponse(
            code: .noError, authenticated: false,
            answer: data.map { DNSRecord(owner: owner, type: Self.type(of: $0, answering: type), ttl: ttl, data: $0) })
        response.authoritative = true
        servers[server, default: [:]][Self.key(owner, type)] = response
    }
}

/// MX addresses scripted by the test: each serves a key, given by its SPKI SHA-256 (its 3 1 1
/// data), or a whole scripted session, or is unreachable. Records the ports it was asked on.
public final class ScriptedMX: MXSession, @unchecked Sendable {
    public init() {}
    private let lock = NSLock()
    public var served: [String: [UInt8]] = [:]
    /// The served certificate's notAfter, per address (none when absent).
    public var notAfter: [String: Date] = [:]
    public var sessions: [String: MXSessionResult.Stage] = [:]
    public var unreachable: Set<String> = []
    public private(set) var ports: [UInt16] = []
    public private(set) var requests: [MXSessionRequest] = []
    /// Serve `key` at `address` once the file `path` exists (a reload command made it).
    public var switchWhenExists: (path: String, address: String, key: [UInt8])?

    public func open(_ request: MXSessionRequest) -> MXSessionResult {
        lock.lock(); defer { lock.unlock() }
        ports.append(request.port)
        requests.append(request)
        let address = request.address
        if let change = switchWhenExists, FileManager.default.fileExists(atPath: change.path) {
            served[change.address] = change.key
        }
        if unreachable.contains(address) { return MXSessionResult(stage: .networkError("connection timed out")) }
        if let stage = sessions[address] { return MXSessionResult(stage: stage, localAddress: "127.0.0.1") }
        guard let key = served[address] else { return MXSessionResult(stage: .networkError("connection refused")) }
        let certificate = PresentedCertificate(
            subject: "CN=\(request.mxHost)", issuer: "CN=\(request.mxHost)", spkiSHA256: Hex.encode(key),
            notBefore: nil, notAfter: notAfter[address])
        if let match = request.records.first(where: { $0.parameters == .recommended && $0.associationData == key }) {
            return MXSessionResult(
                stage: .tls(
                    TLSSessionOutcome(completed: true, authenticated: true, matched: match, chain: [certificate])),
                localAddress: "127.0.0.1")
        }
        return MXSessionResult(
            stage: .tls(
                TLSSessionOutcome(
                    completed: true, authenticated: false, verifyFailure: .noMatch,
                    verifyMessage: "no matching DANE TLSA records", chain: [certificate])),
            localAddress: "127.0.0.1")
    }
}

/// A policy host scripted by the test: the policy text (or failure) served per domain.
public final class ScriptedHTTPS: PolicySource, @unchecked Sendable {
    public init() {}
    private let lock = NSLock()
    public var policies: [String: Result<String, PolicyFetch.Failure>] = [:]

    public func fetchPolicy(
        domain: DNSName, lookup: any DNSLookup, settings: PolicyFetchSettings
    ) -> Result<String, PolicyFetch.Failure> {
        lock.lock(); defer { lock.unlock() }
        return policies[domain.fqdn]
            ?? .failure(.fetch("cannot connect to mta-sts.\(domain.fqdn) port 443: connection refused"))
    }
}

/// Gives the scripted DNS as the run's lookup.
public struct ScriptedResolvers: ResolverSource {
    public let dns: any DNSLookup
    public init(dns: any DNSLookup) { self.dns = dns }
    public func secureLookup(
        resolver: String?, trustAnchor: String?, timeout: TimeInterval
    )
        throws(DiagnosticError) -> (lookup: any DNSLookup, mode: SecureLookup.Mode)
    { (dns, .resolverValidates) }
}

extension World {
    /// A world made of scripted parts (on the system clock unless told otherwise).
    public static func scripted(
        _ dns: ScriptedDNS, _ mx: ScriptedMX = ScriptedMX(), https: ScriptedHTTPS = ScriptedHTTPS(),
        clock: any Clock = SystemClock()
    ) -> World {
        World(dns: ScriptedResolvers(dns: dns), mx: mx, https: https, clock: clock)
    }
}

/// The world most rollover tests start from: example.test, signed, served by one name server
/// (192.0.2.53), its MX mx.example.test at 192.0.2.1 serving `served`, and the TLSA set `set`
/// at the resolver and on the server.
public enum ExampleWorld {
    public static let mx = "192.0.2.1", ns = "192.0.2.53"

    public static func make(
        set records: [TLSARecordData], served: TLSARecordData, port: UInt16 = 25
    ) -> (ScriptedDNS, ScriptedMX) {
        let dns = ScriptedDNS()
        let set = records.map { RecordData.tlsa($0) }
        dns.answer("mx.example.test", .a, [.address(mx)])
        dns.answer("_\(port)._tcp.mx.example.test", .tlsa, set)
        dns.answer("example.test", .ns, [.name(DNSName(presentation: "ns1.example.test")!)])
        dns.answer("ns1.example.test", .a, [.address(ns)])
        dns.serve(ns, "_\(port)._tcp.mx.example.test", .tlsa, set)
        dns.serve(ns, "example.test", .soa, [.soa(soa(serial: 7))])
        dns.answer("example.test", .soa, [.soa(soa(serial: 7))])
        let probe = ScriptedMX()
        probe.served[mx] = served.associationData
        return (dns, probe)
    }

    public static func soa(serial: UInt32) -> SOAData {
        SOAData(
            primary: DNSName(presentation: "ns1.example.test")!,
            mailbox: DNSName(presentation: "hostmaster.example.test")!,
            serial: serial, refresh: 3600, retry: 600, expire: 86400, minimum: 60)
    }
}
