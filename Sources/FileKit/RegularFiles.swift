import FoundationEssentials
import Glibc

/// Reading files that strangers may have placed (a Maildir, an output folder): only regular
/// files are read, a FIFO or device never blocks the run, and a symbolic link is followed only
/// where the caller says so (a mailbox owner must not make root read /etc/shadow).
public enum RegularFiles {
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// A directory, FIFO, socket, device, or (not followed) a symbolic link.
        case notRegular(path: String, kind: Kind)
        /// `errno` says why (ENOENT, EACCES, ...); `reason` is the C library's words for it.
        case unreadable(path: String, reason: String, errno: Int32)

        public var description: String {
            switch self {
            case .notRegular(let path, let kind): "\(path): \(kind.words), not a regular file"
            case .unreadable(let path, let reason, _): "\(path): cannot read: \(reason)"
            }
        }
    }

    /// What a name is, as `lstat` (or `fstat`) says.
    public enum Kind: Sendable, Equatable {
        case regular, directory, symbolicLink, fifo, socket, device, other

        init(_ mode: mode_t) {
            self =
                switch mode & S_IFMT {
                case S_IFREG: .regular
                case S_IFDIR: .directory
                case S_IFLNK: .symbolicLink
                case S_IFIFO: .fifo
                case S_IFSOCK: .socket
                case S_IFCHR, S_IFBLK: .device
                default: .other
                }
        }

        public var words: String {
            switch self {
            case .regular: "a regular file"
            case .directory: "a directory"
            case .symbolicLink: "a symbolic link (not followed)"
            case .fifo: "a FIFO"
            case .socket: "a socket"
            case .device: "a device"
            case .other: "not a file"
            }
        }
    }

    /// A file's identity (device and inode), for telling two names of one file apart.
    public struct Identity: Hashable, Sendable {
        let device: UInt64
        let inode: UInt64
    }

    /// The identity of what `path` names (following links), or nil when nothing is there.
    public static func identity(_ path: String) -> Identity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// `path` with every symbolic link, `.` and `..` resolved, or nil when it does not exist.
    public static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// What kind of thing `path` itself is (links not followed): "regular" for a regular file.
    public static func kind(_ path: String) -> Kind? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return Kind(info.st_mode)
    }

    /// The folder `path` is in: `.` for a bare name, `/` for a name at the root.
    public static func folder(of path: String) -> String { PathParts(path).folder }

    /// At most `limit + 1` bytes of a regular file (so an oversized one is seen as such without
    /// being held whole). Opened without blocking, so a FIFO cannot hang the caller.
    public static func read(_ path: String, limit: Int, followLinks: Bool) throws(Failure) -> Data {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (followLinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else {
            if errno == ELOOP { throw .notRegular(path: path, kind: .symbolicLink) }
            throw .unreadable(path: path, reason: String(cString: strerror(errno)), errno: errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)), errno: errno)
        }
        let kind = Kind(info.st_mode)
        guard kind == .regular else { throw .notRegular(path: path, kind: kind) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while data.count <= limit {
            let count = buffer.withUnsafeMutableBytes {
                Glibc.read(fd, $0.baseAddress, min($0.count, limit + 1 - data.count))
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, reason: String(cString: strerror(errno)), errno: errno)
            }
            if count == 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        return data
    }
}

/// Reading and writing a descriptor: the loops that retry short reads and writes and EINTR.
public enum Descriptors {
    /// Fills `buffer` from `fd` unless the end comes first (retrying short reads and EINTR):
    /// the count read, 0 at the end, -1 on an error (errno says why).
    public static func readFull(_ fd: Int32, into buffer: inout [UInt8]) -> Int {
        var filled = 0
        while filled < buffer.count {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                return -1
            }
            if count == 0 { break }
            filled += count
        }
        return filled
    }

    /// What `render` makes, written to `fd` piece by piece as it is made; false when a piece
    /// could not be written (nothing more is rendered), with errno the write's own (a full
    /// disk, a closed pipe), not whatever the renderer did while it stopped.
    public static func write(_ render: (TextSink) -> Bool, to fd: Int32) -> Bool {
        var failure: Int32 = 0
        let written = render { piece in
            if writeAll(piece, to: fd) { return true }
            failure = errno
            return false
        }
        if !written { errno = failure }
        return written
    }

    /// Every byte, or false (errno says why: a full disk, a closed pipe).
    public static func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            if n == 0 { return false }
            offset += n
        }
        return true
    }

    /// Every byte of `data` (nothing to write is success).
    public static func writeAll(_ data: Data, to fd: Int32) -> Bool {
        data.isEmpty || data.withUnsafeBytes { writeAll($0, to: fd) }
    }

    /// A diagnostic line or progress text to standard error. A failure is not reported
    /// anywhere (there is nowhere left to say it), and never stops the program, unlike
    /// FileHandle's write, which traps on a closed descriptor.
    public static func writeStandardError(_ text: String) { _ = writeAll(text, to: STDERR_FILENO) }

    /// What `fd` holds up to its end, or its first `limit` bytes when it holds more (nil
    /// limit: no bound); nil when reading fails, with errno saying why.
    public static func readToEnd(_ fd: Int32, limit: Int? = nil) -> Data? {
        var data = Data()
        var block = [UInt8](repeating: 0, count: 65_536)
        while limit.map({ data.count < $0 }) ?? true {
            let count = readFull(fd, into: &block)
            if count < 0 { return nil }
            if count == 0 { break }
            data.append(contentsOf: block[0..<min(count, limit.map { $0 - data.count } ?? count)])
        }
        return data
    }

    /// Every byte of `text` (nothing to write is success).
    public static func writeAll(_ text: String, to fd: Int32) -> Bool {
        // A native string is one buffer already: written from it, not from a copy (a
        // provider's JSON is 87 MB).
        if let written = text.utf8.withContiguousStorageIfAvailable({ writeAll(UnsafeRawBufferPointer($0), to: fd) }) {
            return written
        }
        let bytes = Array(text.utf8)
        return bytes.isEmpty || bytes.withUnsafeBytes { writeAll($0, to: fd) }
    }
}

/// Paths in the order of their bytes: how the kernel sees names, and how JSONEncoder sorts
/// keys. Compared in place (the generic comparison of two UTF-8 views was most of the time
/// spent sorting a provider's 100,000 paths).
public enum PathOrder {
    public static func sorted(_ paths: some Sequence<String>) -> [String] {
        paths.sorted { one, other in
            var (one, other) = (one, other)
            return one.withUTF8 { a in
                other.withUTF8 { b in
                    let common = min(a.count, b.count)
                    let order = common == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, common)
                    return order != 0 ? order < 0 : a.count < b.count
                }
            }
        }
    }
}
