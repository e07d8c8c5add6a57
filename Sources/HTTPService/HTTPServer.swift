import ByteStreams
import Dispatch
import FoundationEssentials
import Glibc
import PlainText
import SocketKit
import Synchronization
import ThreadKit

/// A small HTTP/1.1 server for `serve`: plain HTTP on loopback or a private address, behind the
/// operator's TLS proxy (OpenSSL stays the one TLS library). Each connection gets one request
/// and is closed. Bounded everywhere a stranger could hold it: a cap on open connections
/// (beyond it, 503 at once), deadlines on the head and the body, a body ceiling, and handlers
/// (parsing, storing) run at most `workers` at a time on their own threads, so two gzip bombs
/// cannot delay a small report for long or starve the accept loop.
public final class HTTPServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: UInt16
        public var maxConnections = 256
        public var workers = max(2, ProcessInfo.processInfo.activeProcessorCount)
        public var headSeconds: TimeInterval = 10
        public var bodySeconds: TimeInterval = 60
        /// Largest body read for any request.
        public var maxBody: Int

        public init(host: String, port: UInt16, maxBody: Int) {
            self.host = host
            self.port = port
            self.maxBody = maxBody
        }
    }

    /// Answers one request (on a worker thread).
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse
    /// Looks at a request's head before its body is read: an answer here (a wrong media type,
    /// a declared length over the limit) is sent without reading the body.
    public typealias Screen = @Sendable (HTTPRequest) -> HTTPResponse?

    let configuration: Configuration
    let listener: TCPListener
    let screen: Screen
    let handler: Handler
    let log: @Sendable (String) -> Void
    private let open = Mutex(0)
    private let stopping = Atomic(false)
    private let workerSlots: DispatchSemaphore
    private let drained = DispatchGroup()

    public var port: UInt16 { listener.port }

    public init(
        _ configuration: Configuration, screen: @escaping Screen = { _ in nil }, handler: @escaping Handler,
        log: @escaping @Sendable (String) -> Void
    ) throws(NetworkError) {
        self.configuration = configuration
        listener = try TCPListener(host: configuration.host, port: configuration.port)
        self.screen = screen
        self.handler = handler
        self.log = log
        workerSlots = DispatchSemaphore(value: configuration.workers)
    }

    /// Accepts until `stop()`, then waits for the requests in flight and returns.
    public func run() {
        while !stopping.load(ordering: .relaxed) {
            guard let connection = try? listener.accept(wait: 0.25) else { continue }
            let admitted = open.withLock { count -> Bool in
                guard count < configuration.maxConnections else { return false }
                count += 1
                return true
            }
            guard admitted else {
                // Full: say so at once rather than let the kernel queue grow (no thread taken).
                try? connection.write(
                    bytes: HTTPResponse.text(503, "too many connections; try again shortly").wire, until: .after(1))
                continue
            }
            drained.enter()
            Threads.start(stackSize: 512 * 1024) { [self] in
                serve(connection)
                open.withLock { $0 -= 1 }
                drained.leave()
            }
        }
        drained.wait()
    }

    public func stop() { stopping.store(true, ordering: .relaxed) }

    private func serve(_ connection: TCPConnection) {
        let started = ContinuousClock.now
        let remote = connection.peerAddress ?? "?"
        let reader = RequestReader(
            connection: connection,
            limits: .init(headSeconds: configuration.headSeconds, bodySeconds: configuration.bodySeconds),
            remote: remote)
        var line = "\(remote) -"
        let response: HTTPResponse
        do {
            var request = try reader.head()
            line = "\(remote) \"\(request.method) \(Self.printable(request.path))\""
            if let early = screen(request) {
                response = early
            } else {
                request.body = try reader.body(of: request, limit: configuration.maxBody)
                workerSlots.wait()
                response = handler(request)
                workerSlots.signal()
            }
        } catch {
            guard let status = error.status else {
                log("\(line) closed early: \(error.message)")
                return
            }
            response = HTTPResponse.text(status, error.message)
        }
        try? connection.write(bytes: response.wire, until: .after(configuration.headSeconds))
        connection.shutDown()
        log(
            "\(line) \(response.status) \(response.body.count) \(Printf.fixed((ContinuousClock.now - started).seconds, places: 3))s"
        )
    }

    /// A request path as it may appear in a log line: no control characters from strangers.
    static func printable(_ path: String) -> String {
        String(
            path.prefix(200).unicodeScalars.map {
                $0.value < 0x20 || $0.value == 0x7F || $0 == "\"" ? "?" : Character($0)
            })
    }
}
