import CompressNIO
import Foundation
import NIOCore

/// gzip with a ceiling on what it may expand to: a report of a few kilobytes that inflates to
/// gigabytes (a gzip bomb) is refused before it is held in memory.
public enum Gunzip {
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case tooLarge(limit: Int)
        case corrupt

        public var description: String {
            switch self {
            case .tooLarge(let limit): "expands to more than \(limit) bytes (a gzip bomb, or a report far larger than any sender's)"
            case .corrupt: "broken or truncated gzip data"
            }
        }
    }

    public static func isGzip(_ data: Data) -> Bool { data.starts(with: [0x1F, 0x8B]) }

    public static func inflate(_ data: Data, limit: Int) throws(Failure) -> Data {
        var input = ByteBuffer(bytes: data)
        do {
            var output = try input.decompress(with: .gzip(), maxSize: limit)
            let inflated = Data(output.readBytes(length: output.readableBytes) ?? [])
            // zlib stops quietly at the end of a cut-off stream; the trailer's ISIZE (RFC 1952
            // §2.3.1, the length mod 2^32) of a whole member matches what came out.
            guard data.count >= 18, UInt32(truncatingIfNeeded: inflated.count) == data.suffix(4).reversed().reduce(UInt32(0), { $0 << 8 | UInt32($1) }) else {
                throw Failure.corrupt
            }
            return inflated
        } catch let error as CompressNIOError where error == .bufferOverflow {
            throw .tooLarge(limit: limit)
        } catch let error as Failure {
            throw error
        } catch {
            throw .corrupt
        }
    }
}
