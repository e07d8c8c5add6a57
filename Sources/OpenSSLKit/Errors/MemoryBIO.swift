internal import COpenSSL
internal import COpenSSLShims

/// Helpers for OpenSSL memory BIOs, used to read printed names and to feed parsers.
enum MemoryBIO {
    static func contents(_ bio: OpaquePointer) -> String {
        var data: UnsafeMutablePointer<CChar>?
        let length = danectl_BIO_get_mem_data(bio, &data)
        guard length > 0, let data else { return "" }
        return data.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
            String(decoding: UnsafeBufferPointer(start: $0, count: Int(length)), as: UTF8.self)
        }
    }
}
