import ArgumentParser
import DaneFeatures
import DaneModel
import Foundation
import ReportReceiver

struct ReportsServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Receive TLS-RPT reports over HTTP: the https: rua endpoint of RFC 8460 §3.",
        discussion: """
            Senders POST one report per request, as application/tlsrpt+gzip or \
            application/tlsrpt+json, to the https: URI in your _smtp._tls record. This server \
            speaks plain HTTP: put it behind your TLS-terminating reverse proxy (nginx, \
            HAProxy, Caddy) at that URI, or give --tls-certificate and --tls-key to serve \
            HTTPS itself. Any path is accepted.

            Answers: 201 stored, 200 already stored (same report-id), 400 not a readable report \
            (kept aside in the store), 413 over --max-input or expanding past --max-expanded (a \
            gzip bomb), 415 another content type, 503 the store failed (the sender retries). \
            A 2xx is sent only after the report is in the store. Stops on SIGTERM or SIGINT.

            \(ExitStatus.helpLines([(.success, "stopped by a signal"), (.unavailable, "cannot listen on the address")]))
            """)

    @Option(help: ArgumentHelp("Address and port to listen on, e.g. 127.0.0.1:8460 or [::1]:8460.", valueName: "ADDR:PORT"))
    var listen: String

    @Option(help: ArgumentHelp("Serve HTTPS with this PEM certificate chain (leaf first) instead of plain HTTP behind a proxy.", valueName: "FILE"))
    var tlsCertificate: String?

    @Option(help: ArgumentHelp("The PEM private key of --tls-certificate.", valueName: "FILE"))
    var tlsKey: String?

    @OptionGroup var store: ReportStoreOptions
    @OptionGroup var limits: ReportLimitOptions

    func validate() throws {
        guard (tlsCertificate == nil) == (tlsKey == nil) else { throw ValidationError("--tls-certificate and --tls-key go together") }
        guard Self.split(listen) != nil else {
            throw ValidationError("--listen \"\(listen)\" is not ADDR:PORT (e.g. 127.0.0.1:8460, [::1]:8460; port 0 to 65535)")
        }
    }

    static func split(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        return (host, port)
    }

    func run() throws {
        let printer = DiagnosticPrinter()
        guard let (host, port) = Self.split(listen) else { throw ExitStatus.usage.exit }
        let ingest = ReportIngest(store: try store.open(printer), limits: .init(input: limits.maxInput << 20, expanded: limits.maxExpanded << 20))
        var receiver = ReportReceiver(ingest: ingest, host: host, port: port)
        if let tlsCertificate, let tlsKey {
            for path in [tlsCertificate, tlsKey] where !FileManager.default.isReadableFile(atPath: path) {
                printer.print(.error(.noInput("report-missing-file"), "\(path): cannot read this file"))
                throw ExitStatus.noInput.exit
            }
            receiver.tls = (tlsCertificate, tlsKey)
        }
        let path = store.path
        let scheme = tlsCertificate == nil ? "http" : "https"
        receiver.onListening = { bound in
            FileHandle.standardError.write(Data("danectl reports serve: listening on \(host):\(bound) (\(scheme)), storing into \(path)\n".utf8))
        }
        let ready = receiver
        let failure = BlockingTask.run { try await ready.run() }
        if let failure, failure.contains("not a PEM") || failure.contains("holds no certificate") {
            printer.print(.error(.badData("report-tls-invalid"), failure))
            throw ExitStatus.badData.exit
        }
        if let failure {
            printer.print(.error(.unavailable("unavailable-listen"), "cannot serve on \(listen): \(failure)"))
            throw ExitStatus.unavailable.exit
        }
    }
}

/// Runs async work from a synchronous command and waits for it; returns its error, if any.
enum BlockingTask {
    static func run(_ work: @escaping @Sendable () async throws -> Void) -> String? {
        final class Box: @unchecked Sendable { var error: String? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { try await work() } catch { box.error = "\(error)" }
            done.signal()
        }
        done.wait()
        return box.error
    }
}
