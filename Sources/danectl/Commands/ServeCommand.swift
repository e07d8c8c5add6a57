import ArgumentParser
import DaneFeatures
import DaneModel
import FileKit
import FoundationEssentials
import Glibc
import HTTPService
import ReportReceiver

/// What `danectl serve` (and its older name `reports serve`) takes and does: receive TLS-RPT
/// reports, serve MTA-STS policies and the status pages, from one store.
struct ServeOptions: ParsableArguments {
    static let discussion = """
        Senders POST one report per request, as application/tlsrpt+gzip or \
        application/tlsrpt+json, to the https: URI in your _smtp._tls record. This server \
        speaks plain HTTP: put it behind your TLS-terminating reverse proxy (nginx, \
        HAProxy, Caddy; contrib/nginx/ has a tested snippet) at that URI, and listen on \
        loopback. Reports may be POSTed to any path. GET /healthz answers 200 while the store \
        answers. Read-only status pages come from the same store: / lists every domain \
        `verify --db` has checked (status, first problem, days to the next expiry, drift), \
        /domain/NAME shows its MX addresses, what senders reported per day for 30 days (a \
        chart), their failures with the fix, and the verify history; /api/domains and \
        /api/domain/NAME give the same as JSON. No script, no external asset.

        Answers: 201 stored, 200 already stored (same organisation, report-id and date \
        range), 202 same identity but other content (kept aside for review), 400 not a \
        readable report (kept aside in the store), 413 over --max-input or expanding past \
        --max-expanded (a gzip bomb), 415 another content type, 503 the store failed (the \
        sender retries). A 2xx is sent only after the store has committed the report. One \
        line per request goes to standard error. A connection gets one request; heads must \
        arrive within 10 s and bodies within 60 s, and at most --max-connections are open \
        at once. Stops on SIGTERM or SIGINT, after the requests in flight.

        \(ExitStatus.helpLines([(.success, "stopped by a signal"), (.unavailable, "cannot listen on the address")]))
        """

    @Option(
        help: ArgumentHelp("Address and port to listen on, e.g. 127.0.0.1:8460 or [::1]:8460.", valueName: "ADDR:PORT"))
    var listen: String

    @Option(help: ArgumentHelp("Connections open at once; more are answered 503 at once.", valueName: "N"))
    var maxConnections = 256

    @Option(
        name: .customLong("description"),
        help: ArgumentHelp(
            "Also serve the MTA-STS policy of each domain this description gives mta_sts: (GET "
                + "/.well-known/mta-sts.txt with Host mta-sts.<domain>), and show its rollovers on the "
                + "status page (repeatable).", valueName: "FILE"),
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

    func serve() throws {
        let printer = DiagnosticPrinter()
        guard let (host, port) = Self.split(listen) else { throw ExitStatus.usage.exit }
        let ingest = ReportIngest(
            store: try store.open(printer),
            limits: .init(input: limits.maxInput << 20, expanded: limits.maxExpanded << 20),
            clock: SystemClock())
        let policies = try runReporting(printer) { () throws(DiagnosticError) in
            try MTASTSPolicies.served(by: descriptions, now: Date())
        }
        let receiver = ReportReceiver(ingest: ingest, policies: policies) { [descriptions] now in
            RolloverOverview.states(descriptions: descriptions, now: now)
        }
        let server = try openListener(on: host, port, receiver, printer)
        let stops = StopSignals { server.stop() }
        Descriptors.writeStandardError(
            "danectl serve: listening on \(host):\(server.port) (http), storing into \(store.location)\n")
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
                Descriptors.writeStandardError("danectl serve: \(line)\n")
            }
        } catch {
            printer.print(.error(.unavailable("unavailable-listen"), "cannot serve on \(listen): \(error.description)"))
            throw ExitStatus.unavailable.exit
        }
    }
}

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Receive TLS-RPT reports (RFC 8460 https: rua), serve MTA-STS policies and the status pages.",
        discussion: ServeOptions.discussion)

    @OptionGroup var options: ServeOptions

    func run() throws { try options.serve() }
}

struct ReportsServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "The same as `danectl serve` (its older name).",
        discussion: ServeOptions.discussion)

    @OptionGroup var options: ServeOptions

    func run() throws { try options.serve() }
}
