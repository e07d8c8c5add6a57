import ByteStreams
import DaneModel
import Dispatch
import FoundationEssentials
import Glibc
import OpenSSLKit
import PlainText
import SocketKit

/// Fetches MTA-STS policies: `PolicyFetch` over the network; tests script one.
public protocol PolicySource: Sendable {
    func fetchPolicy(
        domain: DNSName, lookup: any DNSLookup, settings: PolicyFetchSettings
    ) -> Result<String, PolicyFetch.Failure>
}

/// How a policy is fetched: the time allowed, the trusted roots (nil: the system's), the port.
public struct PolicyFetchSettings: Sendable, Hashable {
    public var timeout: TimeInterval
    public var caFile: String?
    public var port: UInt16

    public init(timeout: TimeInterval, caFile: String?, port: UInt16 = 443) {
        self.timeout = timeout
        self.caFile = caFile
        self.port = port
    }
}

/// Where an MTA-STS policy is fetched: HTTPS GET of
/// `https://mta-sts.<domain>/.well-known/mta-sts.txt` under WebPKI, as RFC 8461 §3.3 has
/// senders do it: no redirects, 200 only, `text/plain`, a bounded body and time.
/// The real `PolicySource`.
public struct PolicyFetch: PolicySource {
    /// Senders stop reading policies at 64 KiB (RFC 8461 §3.3 suggests such a limit).
    public static let bodyLimit = 65_536

    public init() {}

    public enum Failure: Error, Sendable, Equatable {
        /// sts-policy-fetch-error: unreachable, not 200, a redirect, unreadable HTTP.
        case fetch(String)
        /// sts-webpki-invalid: the policy host's certificate fails WebPKI.
        case webPKI(String)
        /// sts-policy-invalid: served, but not as text/plain.
        case contentType(String)
    }

    public static func url(domain: DNSName) -> String { "https://\(webHost(domain))/.well-known/mta-sts.txt" }
    public static func webHost(_ domain: DNSName) -> String { "mta-sts." + String(domain.fqdn.dropLast()) }

    /// The policy text, fetched from the first address of `mta-sts.<domain>` that connects.
    public func fetchPolicy(
        domain: DNSName, lookup: any DNSLookup, settings: PolicyFetchSettings
    ) -> Result<String, Failure> {
        let (timeout, caFile, port) = (settings.timeout, settings.caFile, settings.port)
        let host = Self.webHost(domain)
        guard let hostName = DNSName(presentation: host + ".") else {
            return .failure(.fetch("\(host) is not a valid name"))
        }
        let answers = [lookup.lookup(hostName, .a), lookup.lookup(hostName, .aaaa)]
        let addresses = answers.flatMap { $0.response?.addresses ?? [] }
        guard !addresses.isEmpty else {
            let problem = answers.compactMap(\.problem).first.map { ": \($0)" } ?? ""
            return .failure(.fetch("\(host) has no address\(problem); senders cannot fetch the policy"))
        }
        var lastFailure = Failure.fetch("no address of \(host) answered")
        for address in addresses.prefix(3) {
            let deadline = Deadline.after(timeout)
            let connection: TCPConnection
            do {
                connection = try TCPConnection.connect(ip: address, port: port, timeout: timeout)
            } catch {
                lastFailure = .fetch("cannot connect to \(host) (\(address)) port \(port): \(error.description)")
                continue
            }
            let watchdog = DispatchWorkItem { connection.shutDown() }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout + 0.25, execute: watchdog)
            defer { watchdog.cancel() }
            connection.makeBlocking(timeout: max(0.5, deadline.remaining))
            let result = WebPKIHandshake.run(fd: connection.fd, hostName: host, caFile: caFile) { channel in
                Self.get(channel, host: host)
            }
            switch result {
            case .failure(let error):
                return .failure(
                    error.kind == .certificateInvalid ? .webPKI(error.description) : .fetch(error.description))
            case .success(let fetched):
                return fetched
            }
        }
        return .failure(lastFailure)
    }

    /// One HTTP/1.1 GET on an established session; the response read by RFC 9112's framing.
    static func get(_ channel: TLSChannel, host: String) -> Result<String, Failure> {
        do {
            try channel.write(
                "GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: danectl\r\nAccept: text/plain\r\nConnection: close\r\n\r\n"
            )
            let status = try channel.readLine(maxLength: 8192, what: "reading the HTTP status")
            let parts = status.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let code = Int(parts[1]) else {
                return .failure(
                    .fetch("\(host) did not answer with HTTP (\"\(TerminalText.visible(status, limit: 60))\")"))
            }
            var headers: [String: String] = [:]
            var ended = false
            for _ in 0..<100 {
                let line = try channel.readLine(maxLength: 8192, what: "reading the HTTP headers")
                if line.isEmpty { ended = true; break }
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmed()
            }
            // More than 100 header fields: the rest would be read as the policy.
            guard ended else {
                return .failure(
                    .fetch("\(host) sent more than 100 HTTP header fields; senders give up on such answers"))
            }
            if (300...399).contains(code) {
                return .failure(
                    .fetch(
                        "\(host) answered \(code) redirecting to \(headers["location"] ?? "elsewhere"); senders do not follow redirects (RFC 8461 §3.3)"
                    ))
            }
            guard code == 200 else {
                return .failure(.fetch("\(host) answered HTTP \(code) for /.well-known/mta-sts.txt"))
            }
            let body: [UInt8]
            if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
                body = try chunked(channel)
            } else if let declared = headers["content-length"] {
                guard let length = Int(declared), length >= 0 else {
                    return .failure(
                        .fetch(
                            "\(host) sent Content-Length \"\(TerminalText.visible(declared, limit: 40))\", which is not a length"
                        ))
                }
                body = try channel.read(count: length, limit: bodyLimit, what: "reading the policy")
                guard body.count == length else {
                    return .failure(.fetch("\(host) ended the policy after \(body.count) of \(length) bytes"))
                }
            } else {
                body = try channel.read(count: nil, limit: bodyLimit, what: "reading the policy")
            }
            let type =
                (headers["content-type"] ?? "").split(separator: ";").first.map {
                    $0.trimmed().lowercased()
                } ?? ""
            guard type == "text/plain" else {
                return .failure(
                    .contentType(
                        "\(host) serves the policy as \"\(type.isEmpty ? "no content type" : type)\"; RFC 8461 §3.2 requires text/plain"
                    ))
            }
            return .success(String(decoding: body, as: UTF8.self))
        } catch {
            return .failure(.fetch("\(host): \(error.description)"))
        }
    }

    static func chunked(_ channel: TLSChannel) throws(TLSChannelError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let line = try channel.readLine(maxLength: 1024, what: "reading a chunk size")
            guard
                let size = Int(
                    line.split(separator: ";").first.map(String.init)?.trimmed() ?? "",
                    radix: 16), size >= 0
            else {
                throw TLSChannelError(description: "a malformed chunk size")
            }
            if size == 0 { return body }
            body += try channel.read(count: size, limit: bodyLimit - body.count, what: "reading the policy")
            _ = try channel.readLine(maxLength: 2, what: "reading a chunk end")
        }
    }
}
