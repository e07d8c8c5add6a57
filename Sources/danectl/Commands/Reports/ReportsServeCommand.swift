import ArgumentParser
import DaneFeatures
import DaneModel
import Foundation
import HTTPService
import ReportReceiver

struct ReportsServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Receive TLS-RPT reports over HTTP: the https: rua endpoint of RFC 8460 §3.",
        discussion: """
            Senders POST one report per request, as application/tlsrpt+gzip or \
            application/tlsrpt+json, to the https: URI in your _smtp._tls record. This server \
            speaks plain HTTP: put it behind your TLS-terminating reverse proxy (nginx, \
            HAProxy, Caddy; contrib/nginx/ has a tested snippet) at that URI, and listen on \
            loopback. Any path is accepted. GET /healthz answers 200 while the store answers.

            Answers: 201 stored, 200 already stored (same organisation, report-id and date \
            range), 202 same identity but other content (kept aside for review), 400 not a \
            readable report (kept aside in the store), 413 over --max-input or expanding past \
            --max-expanded (a gzip bomb), 415 another content type, 503 the store failed (the \
            sender retries). A 2xx is sent only after the store has committed the report. One \
            line per request goes to standard error. A connection gets one request; heads must \
            arrive within 10 s and bodies within 60 s, and at most --max-connections are open \
            at once. Stops on SIGTERM or SIGINT, after the requests in flight.

            \(ExitStatus.helpLines([(.success, "stopped by a signal"), (.unavailable, "cannot listen on the address")]))
            """)

    @Option(
        help: ArgumentHelp("Address and port to listen on, e.g. 127.0.0.1:8460 or [::1]:8460.", valueName: "ADDR:PORT"))
    var listen: String

    @Option(help: ArgumentHelp("Connections open at once; more are answered 503 at once.", valueName: "N"))
    var maxConnections = 256

    @Option(
        name: .customLong("description"),
        help: ArgumentHelp(
            "Also serve the MTA-STS policy of each domain this description gives mta_sts: (GET "
                + "/.well-known/mta-sts.txt with Host mta-sts.<domain>; repeatable).", valueName: "FILE"),
        completion: .file())
    var descriptions: [String] = []

    @OptionGroup var store: ReportStoreOptions
    @OptionGroup var limits: ReportLimitOptions

    func validate() throws {
        guard Self.split(listen) != nil else {
            throw ValidationError(
                "--listen \"\(listen)\" is not ADDR:PORT (e.g. 127.0.0.1:8460, [::1]:8460; port 0 to 65535)")
        }
        guard (1...10_000).contains(maxConnections) else {
            throw ValidationError("--max-connections must be from 1 to 10000")
        }
    }

    static func split(_ text: String) -> (host: String, port: UInt16)? {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        return (host, port)
    }

    func run() throws {
        let printer = DiagnosticPrinter()
        guard let (host, port) = Self.split(listen) else { throw ExitStatus.usage.exit }
        let ingest = ReportIngest(
            store: try store.open(printer),
            limits: .init(input: limits.maxInput << 20, expanded: limits.maxExpanded << 20),
            clock: SystemClock())
        let policies = try runReporting(printer) { () throws(DiagnosticError) in
            try MTASTSPolicies.served(by: descriptions, now: Date())
        }
        let server = try openListener(on: host, port, ReportReceiver(ingest: ingest, policies: policies), printer)
        let stops = StopSignals { server.stop() }
        FileHandle.standardError.write(
            Data(
                "danectl reports serve: listening on \(host):\(server.port) (http), storing into \(store.location)\n"
                    .utf8))
        server.run()
        withExtendedLifetime(stops) {}
    }

    /// The bound listener; a port that cannot be had is 69 with the reason, before any request.
    private func openListener(
        on host: String, _ port: UInt16, _ receiver: ReportReceiver, _ printer: DiagnosticPrinter
    ) throws -> HTTPServer {
        var configuration = HTTPServer.Configuration(host: host, port: port, maxBody: limits.maxInput << 20)
        configuration.maxConnections = maxConnections
        do {
            return try HTTPServer(configuration, screen: receiver.screen, handler: receiver.handle) { line in
                FileHandle.standardError.write(Data("danectl reports serve: \(line)\n".utf8))
            }
        } catch {
            printer.print(.error(.unavailable("unavailable-listen"), "cannot serve on \(listen): \(error.description)"))
            throw ExitStatus.unavailable.exit
        }
    }
}
