internal import COpenSSL

/// A failure inside OpenSSL, with its error queue drained into text at the point of failure,
/// so the queue never leaks into an unrelated later call.
public struct OpenSSLError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let details: [String]

    init(operation: String, details: [String]) {
        self.operation = operation
        self.details = details
    }

    public var description: String {
        details.isEmpty ? "\(operation) failed" : "\(operation) failed: \(details.joined(separator: "; "))"
    }

    /// Takes every pending error off this thread's OpenSSL queue.
    static func drain(_ operation: String) -> OpenSSLError {
        OpenSSLError(operation: operation, details: drainQueue())
    }

    static func drainQueue() -> [String] {
        var details: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            details.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return details
    }

    /// The reasons on the error queue in OpenSSL's own words ("unsupported protocol", "tlsv1
    /// alert protocol version"), emptying it: what a TLS failure is told with.
    static func drainReasons() -> [String] {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if let reason = ERR_reason_error_string(code) { reasons.append(String(cString: reason)) }
        }
        return reasons
    }

    static func clearQueue() { ERR_clear_error() }
}
