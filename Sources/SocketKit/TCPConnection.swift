import ByteStreams
import FoundationEssentials
import Glibc
import ThreadKit

#if canImport(Glibc)
    import Glibc
#endif

/// Why a TCP exchange stopped.
public enum NetworkError: Error, Sendable, Equatable, CustomStringConvertible {
    case badAddress(String)
    case connectFailed(String)
    case timedOut(String)
    case closed
    case tooLong(Int)

    public var description: String {
        switch self {
        case .badAddress(let a): "\"\(a)\" is not an IP address"
        case .connectFailed(let reason): "connection failed: \(reason)"
        case .timedOut(let what): "timed out \(what)"
        case .closed: "the server closed the connection"
        case .tooLong(let limit): "the server sent a line longer than \(limit) bytes"
        }
    }
}

/// A TCP connection with a deadline on every step, so a server that never answers, or drips
/// one byte at a time, cannot hold a probe past its time.
/// Unchecked Sendable: the probe thread owns the connection; the only cross-thread call is
/// the watchdog's `shutDown()`, which takes `stateLock` like every use of the descriptor.
public final class TCPConnection: @unchecked Sendable {
    public let fd: Int32
    private var buffer = ReceiveBuffer()
    private let stateLock = Lock()
    private var isShutDown = false

    private init(fd: Int32) { self.fd = fd }

    /// Takes ownership of a connection `TCPListener` accepted (non-blocking from here on).
    init(accepted fd: Int32) {
        self.fd = fd
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { close(fd) }

    public static func connect(ip: String, port: UInt16, timeout: TimeInterval) throws(NetworkError) -> TCPConnection {
        var address = try SocketAddress(ip: ip, port: port)
        let (length, family) = (address.length, address.family)
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .connectFailed(String(cString: strerror(errno))) }
        let connection = TCPConnection(fd: fd)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let started = withUnsafePointer(to: &address.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        if started != 0 {
            guard errno == EINPROGRESS else { throw .connectFailed(String(cString: strerror(errno))) }
            guard try connection.wait(for: Int16(POLLOUT), until: .after(timeout)) else {
                throw .timedOut("connecting to \(ip) port \(port)")
            }
            var error: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
            guard error == 0 else { throw .connectFailed(String(cString: strerror(error))) }
        }
        return connection
    }

    /// One line up to CRLF (or LF), without the line ending.
    public func readLine(until deadline: Deadline, maxLength: Int = 4096, what: String) throws(NetworkError) -> String {
        try buffer.readLine(maxLength: maxLength, tooLong: NetworkError.tooLong) { () throws(NetworkError) in
            try receive(atMost: 4096, until: deadline, what: what)
        }
    }

    /// What has arrived (at most `count` bytes, at least one), waiting until `deadline`.
    private func receive(
        atMost count: Int, until deadline: Deadline, what: String
    ) throws(NetworkError) -> ArraySlice<UInt8> {
        while true {
            guard try wait(for: Int16(POLLIN), until: deadline) else { throw .timedOut(what) }
            var chunk = [UInt8](repeating: 0, count: count)
            let n = recv(fd, &chunk, chunk.count, 0)
            if n == 0 { throw wasShutDown ? .timedOut(what) : .closed }
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw .connectFailed(String(cString: strerror(errno)))
            }
            return chunk[..<n]
        }
    }

    /// Exactly `count` bytes (what was buffered first), or `.closed` when the peer ends early.
    public func read(exactly count: Int, until deadline: Deadline, what: String) throws(NetworkError) -> [UInt8] {
        while buffer.count < count {
            buffer.append(
                try receive(atMost: min(1 << 16, max(4096, count - buffer.count)), until: deadline, what: what))
        }
        return buffer.take(atMost: count)
    }

    public func write(_ text: String, until deadline: Deadline) throws(NetworkError) {
        try write(bytes: Array(text.utf8), until: deadline)
    }

    public func write(bytes: [UInt8], until deadline: Deadline) throws(NetworkError) {
        var bytes = bytes[...]
        while !bytes.isEmpty {
            guard try wait(for: Int16(POLLOUT), until: deadline) else { throw .timedOut("sending") }
            let n = bytes.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw .connectFailed(String(cString: strerror(errno)))
            }
            bytes = bytes.dropFirst(n)
        }
    }

    /// This end's IP address (what a TLS-RPT report calls the sending MTA's IP).
    public var localAddress: String? { address(getsockname) }

    /// The other end's IP address.
    public var peerAddress: String? { address(getpeername) }

    private func address(
        _ ask: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) -> String? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let found = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { ask(fd, $0, &length) }
        }
        guard found == 0 else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        switch Int32(storage.ss_family) {
        case AF_INET:
            var address = withUnsafeBytes(of: storage) { $0.load(as: sockaddr_in.self) }.sin_addr
            return inet_ntop(AF_INET, &address, &text, socklen_t(text.count)).map { String(cString: $0) }
        case AF_INET6:
            var address = withUnsafeBytes(of: storage) { $0.load(as: sockaddr_in6.self) }.sin6_addr
            return inet_ntop(AF_INET6, &address, &text, socklen_t(text.count)).map { String(cString: $0) }
        default:
            return nil
        }
    }

    /// True when bytes arrived ahead of the plain-text exchange's end: a server that talks
    /// before its turn (or leftovers before STARTTLS) must not reach the TLS layer.
    public var hasBufferedBytes: Bool { !buffer.isEmpty }

    /// Switches to blocking mode with per-call timeouts, for a TLS library that does its own reads.
    public func makeBlocking(timeout: TimeInterval) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        let seconds = max(timeout, 0.001)
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    private var wasShutDown: Bool {
        stateLock.lock()
        defer { stateLock.unlock() }
        return isShutDown
    }

    /// Ends any blocked read or write at once (used by a probe's overall deadline).
    public func shutDown() {
        stateLock.lock()
        defer { stateLock.unlock() }
        guard !isShutDown else { return }
        isShutDown = true
        Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    private func wait(for events: Int16, until deadline: Deadline) throws(NetworkError) -> Bool {
        while true {
            let remaining = deadline.remaining
            if remaining <= 0 { return false }
            var descriptor = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining * 1000, 60_000)) + 1)
            if ready > 0 { return true }
            if ready < 0 && errno != EINTR { throw .connectFailed(String(cString: strerror(errno))) }
        }
    }
}
