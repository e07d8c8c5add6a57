import ByteStreams

#if canImport(Glibc)
    import Glibc
#endif

/// A non-blocking UDP socket connected to one server: where DNS questions to the resolver are
/// sent when many are in flight at once. Connected, so the kernel drops datagrams from any
/// other address; the source port is the kernel's random ephemeral one, fresh per socket.
/// Owned by one thread (not Sendable).
public final class DatagramSocket {
    public let fd: Int32

    public init(ip: String, port: UInt16) throws(NetworkError) {
        var address = try SocketAddress(ip: ip, port: port)
        let kind = SOCK_DGRAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue
        let fd = socket(address.family, Int32(kind), 0)
        guard fd >= 0 else { throw .connectFailed(String(cString: strerror(errno))) }
        let length = address.length
        let connected = withUnsafePointer(to: &address.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .connectFailed(reason)
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Sends one datagram; false when the kernel did not take it (full buffer, or an error
    /// such as the server's port being closed).
    public func send(_ bytes: [UInt8]) -> Bool {
        while true {
            let sent = bytes.withUnsafeBufferPointer { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent == bytes.count { return true }
            if sent < 0 && errno == EINTR { continue }
            return false
        }
    }

    /// What one receive found.
    public enum Received: Equatable {
        /// A datagram of this many bytes, at the start of the buffer.
        case datagram(Int)
        /// Nothing waiting.
        case nothing
        /// The socket failed (for example ICMP port unreachable: nobody listens there).
        case failed(String)
    }

    /// One waiting datagram into `buffer` (which should hold 65,535 bytes: a longer datagram
    /// is cut, and a cut DNS message fails to parse rather than being read wrong).
    public func receive(into buffer: inout [UInt8]) -> Received {
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return .datagram(count) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .nothing
            default: return .failed(String(cString: strerror(errno)))
            }
        }
    }

    /// Which of `sockets` have something to read (data or an error), waiting at most until
    /// `deadline`; all false when it passed first.
    public static func readable(_ sockets: [DatagramSocket], until deadline: Deadline) -> [Bool] {
        var descriptors = sockets.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        while true {
            let milliseconds = Int32(max(0, min(deadline.remaining * 1000, 60_000)).rounded(.up))
            let ready = poll(&descriptors, nfds_t(descriptors.count), milliseconds)
            if ready >= 0 { return descriptors.map { $0.revents != 0 } }
            if errno != EINTR { return descriptors.map { _ in true } }
        }
    }
}
