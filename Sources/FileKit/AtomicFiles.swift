import CFileShims
import Dispatch
import FoundationEssentials
import Glibc
import Synchronization
import ThreadKit

/// Writes output files so that a failed run leaves the previous ones untouched: each file is
/// written to a temporary file in its own folder, flushed to disk, then renamed into place.
/// When several files are written, all are staged before the first rename.
public enum AtomicFiles {
    public struct Failure: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        /// The path is one of the files a set was told to protect (see `ChangedSet.init`):
        /// nothing was written.
        public let isProtected: Bool
        public var description: String { "cannot write \(path): \(reason)" }

        public init(path: String, reason: String, isProtected: Bool = false) {
            self.path = path
            self.reason = reason
            self.isProtected = isProtected
        }
    }

    /// Lets `writer` fill the temporary file through its descriptor (large output need not be
    /// in memory), then flushes and renames it into place; `writer` returns false on failure.
    public static func write(to path: String, writer: (Int32) -> Bool) throws(Failure) {
        try commit([
            try stage(for: path, existing: fileStatus(path), mode: nil, flush: true, unnamed: true, writer: writer)
        ])
    }

    public static func write(_ contents: String, to path: String) throws(Failure) {
        try write([(path, contents)])
    }

    public static func write(_ files: [(path: String, contents: String)]) throws(Failure) {
        try write(files.map { ($0.path, $0.contents, nil) })
    }

    /// `mode` nil keeps an existing file's mode (new files get 0644); secrets pass 0o600. An
    /// existing file's owner and group are kept either way.
    /// Several files are replaced as a set: all or none.
    public static func write(_ files: [(path: String, contents: String, mode: mode_t?)]) throws(Failure) {
        // A large set (a provider's zone per file) is flushed with one syncfs per filesystem
        // after all are written rather than an fsync each: 100,000 fsyncs took 8 s. Either
        // way nothing is renamed into place before every byte is on disk.
        let flushTogether = files.count >= flushTogetherFrom
        var staged: [Staged] = []
        do {
            for file in files {
                staged.append(
                    try stage(
                        for: file.path, existing: fileStatus(file.path), mode: file.mode, flush: !flushTogether,
                        unnamed: files.count == 1
                    ) {
                        Descriptors.writeAll(file.contents, to: $0)
                    })
            }
            if flushTogether { try flushFilesystems(of: files.map(\.path)) }
        } catch {
            staged.forEach { $0.discard() }
            throw error
        }
        try commit(staged)
    }

    /// From this many files on, `write` flushes them together.
    static let flushTogetherFrom = 64

    /// syncfs(2) once per filesystem holding one of `paths`' folders; its error (Linux 5.8 and
    /// later report writeback errors through it) fails the set.
    private static func flushFilesystems(of paths: [String]) throws(Failure) {
        var flushed = Set<UInt64>()
        var folders = Set<String>()
        // Each folder once (a provider's 100,000 zone files share one).
        for path in paths {
            let folder = PathParts(path).folder
            guard folders.insert(folder).inserted else { continue }
            var info = stat()
            guard stat(folder, &info) == 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
            guard flushed.insert(UInt64(info.st_dev)).inserted else { continue }
            let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
            defer { close(fd) }
            guard danectl_syncfs(fd) == 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
        }
    }

    /// A file written and flushed but not yet in place: a hidden `.NAME.danectl-new-TOKEN`
    /// beside the target until the set is renamed into place. A single file has no name while
    /// it is written (O_TMPFILE, where the filesystem has it), so a run killed then, even with
    /// SIGKILL, leaves nothing behind; the files of a set given as text have their names from
    /// the start (they keep them until the whole set is in place anyway). The names are made from `final`
    /// and `token` when needed rather than kept: a set of 100,000 zone files held 16 MB of them.
    struct Staged: Sendable {
        let final: String
        /// Unique per staged file: two runs (or two sets) never make the same temporary name.
        let token: UInt64
        /// Whether a file was at `final` when it was staged: a new file is renamed into place
        /// only if none appeared since, and nothing needs keeping for it.
        let existed: Bool

        var temporary: String { hiddenName(beside: final, tag: "new", token) }
        /// Where the file being replaced is kept until every rename worked.
        var kept: String { hiddenName(beside: final, tag: "old", token) }

        func discard() { unlink(temporary) }
    }

    /// Puts every staged file in place, or none: the files being replaced are kept as hard
    /// links until all renames succeeded, and put back if one fails. A large set (a provider's
    /// 100,000 zone files) is renamed from every core, a slice each; any failure stops all and
    /// undoes every rename made.
    private static func commit(_ items: [Staged]) throws(Failure) {
        let threads = items.count >= commitInParallelFrom ? ProcessInfo.processInfo.activeProcessorCount : 1
        let slices = stride(from: 0, to: items.count, by: max(1, (items.count + threads - 1) / threads)).map {
            $0..<min($0 + (items.count + threads - 1) / threads, items.count)
        }
        let outcomes = CommitOutcomes(count: items.count)
        let move: @Sendable (Range<Int>) -> Void = { slice in
            for index in slice where !outcomes.stopped {
                switch put(items[index]) {
                case .success(let kept): outcomes.record(index, .renamed(kept: kept))
                case .failure(let reason): outcomes.fail(index, reason)
                }
            }
        }
        if slices.count > 1 {
            DispatchQueue.concurrentPerform(iterations: slices.count) { move(slices[$0]) }
        } else {
            slices.forEach(move)
        }
        let states = outcomes.states
        guard let (failed, reason) = outcomes.failure else {
            for (state, item) in zip(states, items) where state == .renamed(kept: true) { unlink(item.kept) }
            return
        }
        // Undo every rename made (the kept files go back; new ones are removed); drop the rest.
        for (state, item) in zip(states, items) {
            switch state {
            case .renamed(kept: true): rename(item.kept, item.final)
            case .renamed(kept: false): unlink(item.final)
            case .waiting: item.discard()
            }
        }
        throw Failure(path: items[failed].final, reason: reason + "; no file was changed")
    }

    /// From this many files on, `commit` renames from every core.
    static let commitInParallelFrom = 4_096

    /// Renames one staged file into place; success says whether the file it replaced is kept
    /// (at `kept`) until the whole set is in place.
    private static func put(_ item: Staged) -> Result<Bool, CommitFailure> {
        // A file that was not there when staged goes in without replacing one that appeared
        // since (one call where a keep and a rename would be three); where one did appear, or
        // the filesystem cannot refuse to replace, it is kept like any other.
        if !item.existed {
            if danectl_rename_noreplace(item.temporary, item.final) == 0 { return .success(false) }
            guard [EEXIST, EINVAL, ENOSYS].contains(errno) else {
                return .failure(CommitFailure(String(cString: strerror(errno))))
            }
        }
        let kept = access(item.final, F_OK) == 0 && link(item.final, item.kept) == 0
        guard rename(item.temporary, item.final) == 0 else {
            let reason = String(cString: strerror(errno))
            if kept { unlink(item.kept) }
            return .failure(CommitFailure(reason))
        }
        return .success(kept)
    }

    struct CommitFailure: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// What each staged file's rename did, filled in by the committing threads (each index by
    /// one thread, under the lock), and the first failure, which stops the others.
    private final class CommitOutcomes: @unchecked Sendable {
        enum State: Equatable { case waiting, renamed(kept: Bool) }
        private let lock = Lock()
        private var recorded: [State]
        private var firstFailure: (index: Int, reason: String)?

        init(count: Int) { recorded = Array(repeating: .waiting, count: count) }

        var stopped: Bool { lock.withLock { firstFailure != nil } }
        var states: [State] { lock.withLock { recorded } }
        var failure: (index: Int, reason: String)? { lock.withLock { firstFailure } }

        func record(_ index: Int, _ state: State) { lock.withLock { recorded[index] = state } }

        func fail(_ index: Int, _ failure: CommitFailure) {
            lock.withLock {
                if firstFailure.map({ index < $0.index }) ?? true { firstFailure = (index, failure.reason) }
            }
        }
    }

    private static func hiddenName(beside path: String, tag: String, _ token: UInt64) -> String {
        let parts = PathParts(path)
        return "\(parts.folder)/.\(parts.name).danectl-\(tag)-\(token)"
    }

    /// Linux's O_TMPFILE (glibc defines it as a macro Swift cannot import).
    private static let openTemporaryFile: Int32 = 0o20000000 | O_DIRECTORY

    /// A file holding what `writer` wrote, to be put at `path` by `commit`; flushed unless the
    /// caller flushes the whole set itself. `existing` is what `stat` says of `path` (nil: no
    /// file there), passed in so that a file is looked up once. `unnamed`: written as an
    /// O_TMPFILE and named only once complete (a single file, whose staged name lives only
    /// until the rename just after); a set's files have their staged names until the whole set
    /// is in place anyway, so they are created with them (two system calls fewer each).
    private static func stage(
        for path: String, existing: stat?, mode requested: mode_t?, flush: Bool, unnamed: Bool,
        writer: (Int32) -> Bool
    ) throws(Failure) -> Staged {
        let staged = Staged(final: path, token: TemporaryTokens.next(), existed: existing != nil)
        // Keep an existing file's mode; new files get the usual 0644.
        let mode: mode_t = requested ?? existing.map { $0.st_mode & 0o7777 } ?? 0o644
        var named = false
        var fd: Int32 = -1
        if unnamed { fd = open(PathParts(path).folder, openTemporaryFile | O_WRONLY | O_CLOEXEC, mode) }
        if fd < 0 {
            fd = open(staged.temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            guard fd >= 0 else { throw Failure(path: path, reason: String(cString: strerror(errno))) }
            named = true
        }
        var failure: String?
        if !writer(fd) { failure = String(cString: strerror(errno)) }
        // A replaced file keeps its owner and group (a key an MTA reads through its group stays
        // readable to it); without the right to, the file is ours, as before.
        if failure == nil, let existing, existing.st_uid != geteuid() || existing.st_gid != getegid() {
            _ = fchown(fd, existing.st_uid, existing.st_gid)
        }
        if failure == nil, fchmod(fd, mode) != 0 { failure = String(cString: strerror(errno)) }
        if failure == nil, flush, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        // An unnamed file gets its hidden temporary name now and its descriptor is closed: a
        // set of 100,000 files (octoDNS, a file per zone) must not hold 100,000 descriptors.
        if failure == nil, !named {
            if linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, staged.temporary, AT_SYMLINK_FOLLOW) == 0 {
                named = true
            } else {
                failure = String(cString: strerror(errno))
            }
        }
        if close(fd) != 0, failure == nil { failure = String(cString: strerror(errno)) }
        if let failure {
            if named { staged.discard() }
            throw Failure(path: path, reason: failure)
        }
        return staged
    }

    /// `stat` of `path`, or nil when nothing is there (or it cannot be looked at).
    private static func fileStatus(_ path: String) -> stat? {
        var info = stat()
        return stat(path, &info) == 0 ? info : nil
    }

    /// A set of files given one at a time as they are made, put in place together like
    /// `write(_:)`, but leaving a file whose contents would not change untouched (same inode,
    /// same mtime), so pipelines and file watchers see only real changes. Each is compared with
    /// what is on disk and staged only when it differs, so its text can be dropped at once (a
    /// provider's 100,000 zone files are never all in memory). Nothing is renamed into place
    /// before `commit`; a caller that stops half way calls `discard`, which leaves no staged
    /// file behind.
    public final class ChangedSet: @unchecked Sendable {
        // Unchecked: `prepare` (any thread) reads only the two constants; the rest is the
        // caller's thread's.
        private var staged: [Staged] = []
        /// The paths that will change (or did, after `commit`), in the order given.
        public private(set) var changed: [String] = []
        private let flushTogether: Bool
        private let protected: Set<Identity>

        /// `expectedCount`: how many files the set will be given (64 or more are flushed
        /// together, with one syncfs per filesystem, instead of an fsync each). `protecting`:
        /// files never to be replaced, however their paths are spelled (a run's inputs): adding
        /// one fails with `Failure.isProtected` before anything is written.
        public init(expectedCount: Int, protecting: Set<Identity> = []) {
            flushTogether = expectedCount >= flushTogetherFrom
            protected = protecting
        }

        /// A file compared with what is on disk and, if it differs, staged; given to `include`
        /// to join the set (or to `discard(_:)`).
        public struct Prepared: Sendable {
            fileprivate let path: String
            fileprivate let staged: Staged?
            /// Whether the file will change.
            public var changes: Bool { staged != nil }
        }

        /// Stages `contents` for `path` unless the file there holds exactly these bytes
        /// already; true when it will change.
        @discardableResult
        public func add(_ path: String, _ contents: String) throws(Failure) -> Bool {
            let prepared = try prepare(path, contents)
            include(prepared)
            return prepared.changes
        }

        /// `add`'s first half, safe on several threads at once (a provider's 100,000 zone files
        /// are staged on every core): compares `contents` with the file at `path` and stages it
        /// when they differ. Nothing is in the set until `include`.
        public func prepare(_ path: String, _ contents: String) throws(Failure) -> Prepared {
            // Only a regular file of the same size is read and compared (a FIFO at the path would
            // block the read): anything else there is replaced like a changed file. One lookup
            // for a new file (a provider's first run makes 100,000).
            let existing = try unprotectedStatus(path)
            if let existing, existing.st_mode & S_IFMT == S_IFREG, existing.st_size == contents.utf8.count,
                let data = try? RegularFiles.read(path, limit: contents.utf8.count, followLinks: true),
                same(data, contents)
            {
                return Prepared(path: path, staged: nil)
            }
            let staged = try stage(for: path, existing: existing, mode: nil, flush: !flushTogether, unnamed: false) {
                Descriptors.writeAll(contents, to: $0)
            }
            return Prepared(path: path, staged: staged)
        }

        /// `add`'s second half, on the set's own thread, in the order the files are to be named.
        public func include(_ prepared: Prepared) {
            guard let item = prepared.staged else { return }
            staged.append(item)
            changed.append(prepared.path)
        }

        /// Removes what `prepare` staged for a file that will not be included.
        public static func discard(_ prepared: Prepared) { prepared.staged?.discard() }

        /// `stat` of `path` (nil: nothing there), refusing a protected file.
        private func unprotectedStatus(_ path: String) throws(Failure) -> stat? {
            let existing = fileStatus(path)
            if let existing, protected.contains(Identity(existing)) {
                throw Failure(path: path, reason: "it is protected", isProtected: true)
            }
            return existing
        }

        /// Stages what `writer` writes to a descriptor for `path` (a file too large to hold as
        /// text), then drops it again if the file there holds the same bytes; true when it
        /// will change. The comparison reads both files a block at a time.
        @discardableResult
        public func add(_ path: String, writer: (Int32) -> Bool) throws(Failure) -> Bool {
            let item = try stage(
                for: path, existing: try unprotectedStatus(path), mode: nil, flush: false, unnamed: true, writer: writer
            )
            let temporary = item.temporary
            if sameBytes(temporary, path) {
                item.discard()
                return false
            }
            // Flushed only now that it will be used (an unchanged file costs no fsync).
            if !flushTogether {
                let fd = open(temporary, O_RDONLY | O_CLOEXEC)
                let flushed = fd >= 0 && fsync(fd) == 0
                let reason = String(cString: strerror(errno))
                if fd >= 0 { close(fd) }
                guard flushed else {
                    item.discard()
                    throw Failure(path: path, reason: reason)
                }
            }
            staged.append(item)
            changed.append(path)
            return true
        }

        /// Flushes what was staged and renames all of it into place, or none of it.
        public func commit() throws(Failure) {
            if flushTogether {
                do { try flushFilesystems(of: changed) } catch {
                    discard()
                    throw error
                }
            }
            let items = staged
            staged = []
            try AtomicFiles.commit(items)
        }

        /// Removes every staged file; nothing on disk changes.
        public func discard() {
            staged.forEach { $0.discard() }
            staged = []
        }
    }

    /// Whether two regular files hold the same bytes (false when either cannot be read or is
    /// not a regular file), compared 64 KiB at a time.
    static func sameBytes(_ one: String, _ other: String) -> Bool {
        // Without blocking: a FIFO at either path must not hang the comparison.
        let (a, b) = (open(one, O_RDONLY | O_NONBLOCK | O_CLOEXEC), open(other, O_RDONLY | O_NONBLOCK | O_CLOEXEC))
        defer {
            if a >= 0 { close(a) }
            if b >= 0 { close(b) }
        }
        var (infoA, infoB) = (stat(), stat())
        guard a >= 0, b >= 0, fstat(a, &infoA) == 0, fstat(b, &infoB) == 0,
            infoA.st_mode & S_IFMT == S_IFREG, infoB.st_mode & S_IFMT == S_IFREG, infoA.st_size == infoB.st_size
        else { return false }
        let size = 65_536
        var (bufferA, bufferB) = ([UInt8](repeating: 0, count: size), [UInt8](repeating: 0, count: size))
        while true {
            let countA = Descriptors.readFull(a, into: &bufferA)
            let countB = Descriptors.readFull(b, into: &bufferB)
            guard countA >= 0, countA == countB else { return false }
            if countA == 0 { return true }
            guard bufferA[..<countA] == bufferB[..<countB] else { return false }
        }
    }

    /// Whether a file's bytes are `text`'s, compared in place (no copy of a large output).
    static func same(_ data: Data, _ text: String) -> Bool {
        guard data.count == text.utf8.count else { return false }
        let compared = text.utf8.withContiguousStorageIfAvailable { text in
            data.withUnsafeBytes { file in file.elementsEqual(UnsafeRawBufferPointer(text)) }
        }
        return compared ?? data.elementsEqual(text.utf8)
    }

    /// An existing file's device and inode: the same for every spelling of its path (./, ..,
    /// links), so an output that is also an input is refused, not overwritten.
    public struct Identity: Hashable, Sendable {
        let device: UInt64
        let inode: UInt64

        /// nil when nothing exists at `path` (or it cannot be looked at).
        public init?(of path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            self.init(info)
        }

        init(_ info: stat) { (device, inode) = (UInt64(info.st_dev), UInt64(info.st_ino)) }
    }

}

/// The tokens in staged files' names: a random start per process (two runs never meet) and a
/// count from it (one random draw per run, not per file; O_EXCL refuses a clash anyway).
enum TemporaryTokens {
    private static let count = Atomic<UInt64>(0)
    private static let start = UInt64.random(in: 0...UInt64.max)

    static func next() -> UInt64 { start &+ count.wrappingAdd(1, ordering: .relaxed).oldValue }
}

/// A file's folder and name, split at the last slash: what every staged file needs, without a
/// URL each (a provider's 100,000 zone files). A bare name lies in `.`; `/name` in `/`.
struct PathParts {
    let folder: String
    let name: String

    init(_ path: String) {
        guard let slash = path.lastIndex(of: "/") else {
            (folder, name) = (".", path)
            return
        }
        folder = slash == path.startIndex ? "/" : String(path[..<slash])
        name = String(path[path.index(after: slash)...])
    }
}
