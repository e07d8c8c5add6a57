internal import CZlib
import FoundationEssentials

/// gzip (RFC 1952) through the system's zlib, with an exact ceiling on what it may expand to:
/// a report of a few kilobytes that inflates to gigabytes (a gzip bomb) is refused as soon as
/// its output passes the ceiling, before more is held.
public enum Gunzip {
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case tooLarge(limit: Int)
        case corrupt

        public var description: String {
            switch self {
            case .tooLarge(let limit):
                "expands to more than \(limit) bytes (a gzip bomb, or a report far larger than any sender's)"
            case .corrupt: "broken or truncated gzip data"
            }
        }
    }

    public static func isGzip(_ data: Data) -> Bool { data.starts(with: [0x1F, 0x8B]) }

    /// The whole first gzip member, or why not: over `limit` bytes, or cut short or damaged
    /// (zlib's own end-of-stream check and the trailer's CRC and length).
    public static func inflate(_ data: Data, limit: Int) throws(Failure) -> Data {
        var stream = z_stream()
        // 16 + 15: a gzip wrapper, a 32 KiB window.
        let ready = ZLIB_VERSION.withCString {
            inflateInit2_(&stream, 16 + MAX_WBITS, $0, Int32(MemoryLayout<z_stream>.size))
        }
        guard ready == Z_OK else { throw .corrupt }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let input = [UInt8](data)
        let overLimit: Int32 = -1000  // not a zlib status
        let status: Int32 = input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = uInt(source.count)
            while true {
                let produced: Int
                let result: Int32 = chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                produced = chunk.count - Int(stream.avail_out)
                guard output.count + produced <= limit else { return overLimit }
                output.append(contentsOf: chunk[0..<produced])
                switch result {
                case Z_STREAM_END: return Z_STREAM_END
                case Z_OK: continue
                // No progress possible: the input ended before the stream did.
                case Z_BUF_ERROR: return Z_DATA_ERROR
                default: return result
                }
            }
        }
        if status == overLimit { throw .tooLarge(limit: limit) }
        guard status == Z_STREAM_END else { throw .corrupt }
        return output
    }
}
