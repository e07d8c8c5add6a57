#if canImport(Glibc)
    import Glibc
#endif

/// An IPv4 or IPv6 address and port as the sockets API wants it.
struct SocketAddress {
    var storage = sockaddr_storage()
    let length: socklen_t
    let family: Int32

    init(ip: String, port: UInt16) throws(NetworkError) {
        var made = sockaddr_storage()
        if ip.contains(":") {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, ip, &address.sin6_addr) == 1 else { throw .badAddress(ip) }
            withUnsafeBytes(of: address) { raw in withUnsafeMutableBytes(of: &made) { $0.copyMemory(from: raw) } }
            (length, family) = (socklen_t(MemoryLayout<sockaddr_in6>.size), AF_INET6)
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            guard inet_pton(AF_INET, ip, &address.sin_addr) == 1 else { throw .badAddress(ip) }
            withUnsafeBytes(of: address) { raw in withUnsafeMutableBytes(of: &made) { $0.copyMemory(from: raw) } }
            (length, family) = (socklen_t(MemoryLayout<sockaddr_in>.size), AF_INET)
        }
        storage = made
    }
}
