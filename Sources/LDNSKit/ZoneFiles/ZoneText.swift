import Glibc

/// A zone file's bytes, read once and handed to the splitter and the parsing threads.
///
/// A regular file is mapped rather than copied, so that what has been parsed can be given back
/// (`release`): a signed zone is several times its records in text (570 MB for a million
/// records), and holding it whole while the records are packed doubled what signing needs.
/// Released pages are read again from the file if touched, so releasing is never wrong, only
/// slower. The mapping is private and read-only; a file truncated while danectl reads it ends
/// the run (SIGBUS) rather than yielding a zone cut short.
/// Text assembled in memory (a file with `$INCLUDE`) is kept as an array; releasing it does
/// nothing.
/// Unchecked Sendable: the bytes never change; `release` only drops pages, which any thread may do.
final class ZoneText: @unchecked Sendable {
    let buffer: UnsafeBufferPointer<UInt8>
    private let mapping: UnsafeMutableRawPointer?
    /// The copy an in-memory text is kept in (nil for a mapping).
    private let owned: UnsafeMutableBufferPointer<UInt8>?
    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    init(_ bytes: [UInt8]) {
        let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
        _ = copy.initialize(from: bytes)
        owned = copy
        mapping = nil
        buffer = UnsafeBufferPointer(copy)
    }

    /// Maps `size` bytes of the open regular file `fd`; nil if the system refuses.
    init?(mapping fd: Int32, size: Int) {
        guard size > 0, let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
            return nil
        }
        mapping = address
        owned = nil
        buffer = UnsafeBufferPointer(start: address.assumingMemoryBound(to: UInt8.self), count: size)
    }

    deinit {
        if let mapping { munmap(mapping, buffer.count) }
        owned?.deallocate()
    }

    var count: Int { buffer.count }

    /// The bytes as an array (for the `$INCLUDE` expander, which assembles a new text).
    var array: [UInt8] { Array(buffer) }

    /// Gives back the memory behind `range` (widened to whole pages) until it is read again.
    func release(_ range: Range<Int>) {
        guard let mapping, !range.isEmpty else { return }
        let start = range.lowerBound / Self.pageSize * Self.pageSize
        let end = min(buffer.count, (range.upperBound + Self.pageSize - 1) / Self.pageSize * Self.pageSize)
        guard end > start else { return }
        _ = madvise(mapping + start, end - start, MADV_DONTNEED)
    }
}
