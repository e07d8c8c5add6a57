import FoundationEssentials
import Glibc

#if canImport(Glibc)
    import Glibc
#endif

/// A listening TCP socket: where `serve` accepts senders' connections. `accept` waits at most
/// a given time, so the accept loop can notice that it was asked to stop.
public final class TCPListener: Sendable {
    public let fd: Int32
    /// The port bound (useful when 0 was asked for).
    public let port: UInt16

    /// Binds `host` (an IPv4 or IPv6 address) and `port`, and listens.
    public init(host: String, port: UInt16, backlog: Int32 = 128) throws(NetworkError) {
        var address = try SocketAddress(ip: host, port: port)
        let (length, family) = (address.length, address.family)
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .connectFailed(String(cString: strerror(errno))) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, backlog) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .connectFailed("cannot listen on \(host) port \(port): \(reason)")
        }
        var actual = sockaddr_storage()
        var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        let boundPort =
            family == AF_INET6
            ? withUnsafeBytes(of: actual) { $0.load(as: sockaddr_in6.self) }.sin6_port
            : withUnsafeBytes(of: actual) { $0.load(as: sockaddr_in.self) }.sin_port
        self.fd = fd
        self.port = UInt16(bigEndian: boundPort)
    }

    deinit { close(fd) }

    /// The next connection, or nil when none came within `wait` seconds.
    public func accept(wait: TimeInterval) throws(NetworkError) -> TCPConnection? {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(wait * 1000))
        if ready < 0 && errno != EINTR { throw .connectFailed(String(cString: strerror(errno))) }
        guard ready > 0 else { return nil }
        let client = Glibc.accept(fd, nil, nil)
        guard client >= 0 else {
            // The peer gave up between poll and accept, or descriptors ran out for a moment.
            if [EAGAIN, EINTR, ECONNABORTED, EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(errno) { return nil }
            throw .connectFailed(String(cString: strerror(errno)))
        }
        _ = fcntl(client, F_SETFD, FD_CLOEXEC)
        return TCPConnection(accepted: client)
    }
}
