import Foundation

/// Writes output files so that a failed run leaves the previous ones untouched: each file is
/// written to a temporary file in its own folder, flushed to disk, then renamed into place.
/// When several files are written, all are staged before the first rename.
public enum AtomicFiles {
    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "cannot write \(path): \(reason)" }

        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }
    }

    /// Lets `writer` fill the temporary file through its descriptor (large output need not be
    /// in memory), then flushes and renames it into place; `writer` returns false on failure.
    public static func write(to path: String, writer: (Int32) -> Bool) throws(Failure) {
        try commit([(try stage(for: path, mode: nil, writer: writer), path)])
    }

    public static func write(_ contents: String, to path: String) throws(Failure) {
        try write([(path, contents)])
    }

    public static func write(_ files: [(path: String, contents: String)]) throws(Failure) {
        try write(files.map { ($0.path, $0.contents, nil) })
    }

    /// `mode` nil keeps an existing file's mode (new files get 0644); secrets pass 0o600.
    public static func write(_ files: [(path: String, contents: String, mode: mode_t?)]) throws(Failure) {
        var staged: [(temporary: String, final: String)] = []
        do {
            for file in files {
                let bytes = Array(file.contents.utf8)
                staged.append((try stage(for: file.path, mode: file.mode) { writeAll(bytes, to: $0) }, file.path))
            }
        } catch {
            for item in staged { unlink(item.temporary) }
            throw error
        }
        try commit(staged)
    }

    /// Renames every staged file into place; on the first failure removes what is left.
    private static func commit(_ staged: [(temporary: String, final: String)]) throws(Failure) {
        for item in staged where rename(item.temporary, item.final) != 0 {
            let reason = String(cString: strerror(errno))
            for rest in staged { unlink(rest.temporary) }
            throw Failure(path: item.final, reason: reason)
        }
    }

    /// A flushed temporary file beside `path` holding what `writer` wrote; its path.
    private static func stage(for path: String, mode requested: mode_t?, writer: (Int32) -> Bool) throws(Failure) -> String {
        let url = URL(fileURLWithPath: path)
        var template = Array("\(url.deletingLastPathComponent().path)/.\(url.lastPathComponent).danectl-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        let temporary = String(cString: template.map { $0 })
        // Keep an existing file's mode; new files get the usual 0644.
        var info = stat()
        let mode: mode_t = requested ?? (stat(path, &info) == 0 ? info.st_mode & 0o7777 : 0o644)
        var failure: String?
        if !writer(fd) { failure = String(cString: strerror(errno)) }
        if failure == nil, fchmod(fd, mode) != 0 { failure = String(cString: strerror(errno)) }
        if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        if close(fd) != 0, failure == nil { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw Failure(path: path, reason: failure)
        }
        return temporary
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// Like `write(_:)`, but leaves a file whose contents would not change untouched (same
    /// inode, same mtime), so pipelines and file watchers see only real changes. Returns the
    /// paths it wrote; all changed files are staged before the first is renamed into place.
    @discardableResult
    public static func writeChanged(_ files: [(path: String, contents: String)]) throws(Failure) -> [String] {
        let changed = files.filter { file in
            guard let data = FileManager.default.contents(atPath: file.path) else { return true }
            return data != Data(file.contents.utf8)
        }
        try write(changed)
        return changed.map(\.path)
    }

    /// True when both paths name the same existing file (same device and inode), however
    /// they are spelt: an output that is also an input must be refused, not overwritten.
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        var x = stat(), y = stat()
        guard stat(a, &x) == 0, stat(b, &y) == 0 else { return false }
        return x.st_dev == y.st_dev && x.st_ino == y.st_ino
    }
}
