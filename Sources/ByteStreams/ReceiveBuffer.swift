/// Bytes a connection has received but not yet handed out, and the one rule for cutting a line
/// out of them (up to LF; CR LF or LF removed; a bound on its length). Shared by the plain TCP
/// connection and the TLS channel, so SMTP replies and HTTP heads are read the same way over both.
/// The consumed prefix is dropped lazily, so reading many short lines is linear, not quadratic.
public struct ReceiveBuffer: Sendable {
    private var bytes: [UInt8] = []
    private var start = 0

    public init() {}

    /// Bytes received and not yet taken.
    public var count: Int { bytes.count - start }
    public var isEmpty: Bool { count == 0 }

    public mutating func append(_ chunk: ArraySlice<UInt8>) {
        if start > 0 && start >= bytes.count / 2 {
            bytes.removeFirst(start)
            start = 0
        }
        bytes += chunk
    }

    /// The next whole line without its line ending, or nil when none is complete yet.
    public mutating func takeLine() -> String? {
        guard let newline = bytes[start...].firstIndex(of: 0x0A) else { return nil }
        var end = newline
        if end > start && bytes[end - 1] == 0x0D { end -= 1 }
        let line = String(decoding: bytes[start..<end], as: UTF8.self)
        start = newline + 1
        return line
    }

    /// At most `limit` bytes from the front.
    public mutating func take(atMost limit: Int) -> [UInt8] {
        let n = min(limit, count)
        let out = Array(bytes[start..<start + n])
        start += n
        return out
    }

    /// One line of at most `maxLength` bytes, asking `receive` for more until it is complete.
    /// `receive` returns the next bytes (never empty) or throws (peer closed, out of time,
    /// the stream failed); a line that grows past the bound throws `tooLong(maxLength)`.
    public mutating func readLine<Failure: Error>(
        maxLength: Int, tooLong: (Int) -> Failure,
        receive: () throws(Failure) -> ArraySlice<UInt8>
    ) throws(Failure) -> String {
        while true {
            if let line = takeLine() { return line }
            guard count <= maxLength else { throw tooLong(maxLength) }
            append(try receive())
        }
    }
}
