import DaneFeatures
import DaneModel
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import ReportStore

/// The `https:` rua endpoint of RFC 8460 §3: senders POST one report per request as
/// `application/tlsrpt+gzip` or `application/tlsrpt+json`. A report is answered 2xx only once
/// it is stored (or was already); a body over the limit, or gzip that expands past it, gets 413
/// before it is held; anything else that cannot be read is kept aside and answered 400.
/// Senders post to https: URIs: either run it behind a TLS-terminating reverse proxy (plain
/// HTTP here), or give it a certificate and key and it speaks HTTPS itself.
public struct ReportReceiver: Sendable {
    public let ingest: ReportIngest
    public let host: String
    public let port: Int
    /// PEM certificate chain and private key for HTTPS; nil: plain HTTP.
    public var tls: (certificateChain: String, privateKey: String)?

    public struct TLSFailure: Error, CustomStringConvertible {
        public let description: String
    }
    /// Called once the server listens (with the bound port, useful when `port` is 0).
    public var onListening: @Sendable (Int) -> Void = { _ in }

    public init(ingest: ReportIngest, host: String, port: Int) {
        self.ingest = ingest
        self.host = host
        self.port = port
    }

    /// Serves until SIGTERM or SIGINT.
    public func run() async throws {
        let router = Router()
        let ingest = self.ingest
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            try await Self.receive(request, ingest)
        }
        router.post("/", use: handler)
        router.post("**", use: handler)
        let listening = onListening
        var server = HTTPServerBuilder.http1()
        if let tls {
            let chain: [NIOSSLCertificate], key: NIOSSLPrivateKey
            do { chain = try NIOSSLCertificate.fromPEMFile(tls.certificateChain) } catch {
                throw TLSFailure(description: "\(tls.certificateChain): not a PEM certificate chain (\(error))")
            }
            do { key = try NIOSSLPrivateKey(file: tls.privateKey, format: .pem) } catch {
                throw TLSFailure(description: "\(tls.privateKey): not a PEM private key (\(error))")
            }
            guard !chain.isEmpty else { throw TLSFailure(description: "\(tls.certificateChain) holds no certificate") }
            let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            server = try .tls(.http1(), tlsConfiguration: configuration)
        }
        let app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "danectl-reports"),
            onServerRunning: { channel in listening(channel.localAddress?.port ?? 0) })
        try await app.runService()
    }

    static let reportTypes = ["application/tlsrpt+gzip", "application/tlsrpt+json"]

    static func receive(_ request: Request, _ ingest: ReportIngest) async throws -> Response {
        let type = (request.headers[.contentType] ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard reportTypes.contains(type) else {
            return text(.unsupportedMediaType, "send a report as application/tlsrpt+gzip or application/tlsrpt+json (RFC 8460 §5.2)")
        }
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > ingest.limits.input {
            return text(.contentTooLarge, "a report of \(declared) bytes is over the \(ingest.limits.input)-byte limit")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: ingest.limits.input)
        } catch {
            return text(.contentTooLarge, "the body is over the \(ingest.limits.input)-byte limit")
        }
        let source = "POST \(request.uri.path) (\(type))"
        // Read and checked once; a bomb is refused, not kept (the sender still has it).
        let prepared = ingest.prepare(Data(body.readableBytesView), source: source)
        if prepared.oversized {
            return text(.contentTooLarge, "the report expands to more than \(ingest.limits.expanded) bytes")
        }
        let outcomes: [ReportIngest.Outcome]
        do {
            outcomes = try ingest.save([prepared])[0]
        } catch {
            return text(.serviceUnavailable, "the report could not be stored (\(error)); send it again later")
        }
        switch outcomes.first {
        case .stored(let id, _, _): return text(.created, "stored report \(id)")
        case .duplicate(let id): return text(.ok, "report \(id) was already stored")
        case .keptAside(let reason): return text(.badRequest, "not a readable TLS-RPT report: \(reason) (kept aside)")
        case nil: return text(.badRequest, "no report in the body")
        }
    }

    static func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}
