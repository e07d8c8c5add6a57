import DaneFeatures
import DaneModel
import FoundationEssentials
import HTTPService
import PlainText
import ReportStore
import StatusPages

/// The `https:` rua endpoint of RFC 8460 §3, behind the operator's TLS proxy: senders POST one
/// report per request as `application/tlsrpt+gzip` or `application/tlsrpt+json`. A report is
/// answered 2xx only once the store has committed it (or had it already); a body over the
/// limit, or gzip that expands past it, gets 413 before it is held; anything else that cannot
/// be read is kept aside and answered 400. `GET /healthz` says whether the store answers.
/// With MTA-STS policies (from the described domains), `GET /.well-known/mta-sts.txt` sent to
/// `mta-sts.<domain>` answers that domain's policy: the exact text `generate` writes, so the
/// policy, its `_mta-sts` id and the served file cannot disagree (RFC 8461 §3.2).
public struct ReportReceiver: Sendable {
    public let ingest: ReportIngest
    /// Policy text by web host (`mta-sts.example.com`, lower-case).
    public let policies: [String: String]
    /// Each described domain's rollover state in words, read when a page is drawn.
    public let rollover: @Sendable (Date) -> [String: String]

    public init(
        ingest: ReportIngest, policies: [String: String] = [:],
        rollover: @escaping @Sendable (Date) -> [String: String] = { _ in [:] }
    ) {
        self.ingest = ingest
        self.policies = policies
        self.rollover = rollover
    }

    static let policyPath = "/.well-known/mta-sts.txt"

    static let reportTypes = ["application/tlsrpt+gzip", "application/tlsrpt+json"]

    /// Refuses before the body is read: other methods and paths, other media types, and a
    /// declared length over the input limit.
    public func screen(_ request: HTTPRequest) -> HTTPResponse? {
        switch (request.method, request.path) {
        case ("GET", "/healthz"), ("HEAD", "/healthz"): return nil
        case ("GET", let path) where StatusRoute(path) != nil: return nil
        // Routed with or without described policies: a host with none gets 404.
        case ("GET", Self.policyPath), ("HEAD", Self.policyPath):
            return nil
        case ("POST", _): break
        case (_, "/healthz"): return .text(405, "GET /healthz")
        // Reports may be POSTed to any path, so elsewhere GET is the wrong method.
        case ("GET", _): return .text(405, "POST a TLS-RPT report here (RFC 8460 §3); GET / lists the domains")
        default: return .text(405, "POST a TLS-RPT report here (RFC 8460 §3)")
        }
        guard Self.reportTypes.contains(request.contentType) else {
            return .text(415, "send a report as application/tlsrpt+gzip or application/tlsrpt+json (RFC 8460 §5.2)")
        }
        if let declared = request.header("content-length").flatMap(Int.init), declared > ingest.limits.input {
            return .text(413, "a report of \(declared) bytes is over the \(ingest.limits.input)-byte limit")
        }
        return nil
    }

    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        if request.path == Self.policyPath && (request.method == "GET" || request.method == "HEAD") {
            return policy(for: request.host)
        }
        if request.method == "GET", let route = StatusRoute(request.path) {
            return status(route, filter: StatusIndexPage.Filter(query: request.query))
        }
        if request.path == "/healthz" {
            do {
                _ = try ingest.store.rejected(limit: 1)
                return .text(200, "ok")
            } catch {
                return .text(503, "the report store does not answer: \(error.description)")
            }
        }
        let source = "POST \(request.path) from \(request.remote) (\(request.contentType))"
        // Read and checked once; a bomb is refused, not kept (the sender still has it).
        let prepared = ingest.prepare(Data(request.body), source: source)
        if prepared.oversized {
            return .text(
                413, "the report is over \(ingest.limits.input) bytes or expands to more than \(ingest.limits.expanded)"
            )
        }
        let outcomes: [ReportIngest.Outcome]
        do {
            outcomes = try ingest.save([prepared])[0]
        } catch {
            return .text(503, "the report could not be stored (\(error.description)); send it again later")
        }
        switch outcomes.first {
        case .stored(let id, _, _): return .text(201, "stored report \(id)")
        case .duplicate(let id): return .text(200, "report \(id) was already stored")
        case .conflicting(let id, _):
            return .text(202, "report \(id) conflicts with a stored one of the same identity: kept for review")
        case .keptAside(let reason): return .text(400, "not a readable TLS-RPT report: \(reason) (kept aside)")
        case nil: return .text(400, "no report in the body")
        }
    }

    /// The read-only status pages and their JSON, drawn from what the store keeps.
    func status(_ route: StatusRoute, filter: StatusIndexPage.Filter) -> HTTPResponse {
        let now = ingest.clock.now()
        do {
            switch route {
            case .index:
                return .html(
                    StatusIndexPage.html(
                        try ingest.store.latestChecks(), now: now, filter: filter, rollover: rollover(now)))
            case .domains:
                return .json(
                    StatusAPI.domains(
                        filter.apply(try ingest.store.latestChecks()).rows, now: now, rollover: rollover(now)))
            case .domain(let name, let json):
                let facts = try domainFacts(name, now: now)
                return json ? .json(StatusAPI.domain(facts, now: now)) : .html(StatusDomainPage.html(facts, now: now))
            }
        } catch {
            return .text(503, "the report store does not answer: \(error.description)")
        }
    }

    /// The last 30 days, today included.
    static let periodDays = 30

    func domainFacts(_ name: String, now: Date) throws(ReportStore.Failure) -> StatusDomainPage.Facts {
        let today = (now.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400
        let first = Date(timeIntervalSince1970: today - Double(Self.periodDays - 1) * 86_400)
        return StatusDomainPage.Facts(
            domain: ReportStore.domainKey(name), history: try ingest.store.verifyHistory(domain: name, limit: 30),
            days: try ingest.store.dailySessions(domain: name, since: first),
            failures: try ingest.store.summary(since: first, domain: name), period: (first, Self.periodDays))
    }

    /// RFC 8461 §3.3: the policy as `text/plain`, for the host the sender asked; 404 for any
    /// other host (a sender then has no policy: the right answer for a domain not described).
    func policy(for host: String?) -> HTTPResponse {
        guard let host, let text = policies[host] else {
            return .text(
                404,
                "no MTA-STS policy is described for \(host.map { TerminalText.visible($0, limit: 100) } ?? "this host")"
            )
        }
        return HTTPResponse(
            status: 200, headers: [("Content-Type", "text/plain"), ("Cache-Control", "max-age=300")],
            body: Array(text.utf8))
    }
}

/// The status pages' paths: `/`, `/domain/NAME`, `/api/domains`, `/api/domain/NAME`.
enum StatusRoute: Equatable {
    case index, domains
    case domain(String, json: Bool)

    init?(_ path: String) {
        let decoded = PercentEncoding.decoded(path) ?? path
        if decoded == "/" {
            self = .index
        } else if decoded == "/api/domains" {
            self = .domains
        } else if let name = Self.name(decoded, after: "/domain/") {
            self = .domain(name, json: false)
        } else if let name = Self.name(decoded, after: "/api/domain/") {
            self = .domain(name, json: true)
        } else {
            return nil
        }
    }

    /// A domain name after `prefix`: letters, digits, hyphens, underscores and dots only.
    private static func name(_ path: String, after prefix: String) -> String? {
        guard path.hasPrefix(prefix) else { return nil }
        let name = path.dropFirst(prefix.count)
        guard !name.isEmpty, name.count <= 253,
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        else { return nil }
        return String(name)
    }
}
