import FoundationEssentials
import Glibc
import ThreadKit

/// An exclusive advisory lock on a file (flock), held until the value is released or goes
/// away: one `rollover deploy` at a time per description, whatever started it (a certbot
/// hook, a timer, a person).
public final class FileLock: Sendable {
    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// The lock at `path` (created 0600 when missing), waiting at most `wait` seconds for
    /// another holder; nil when it stayed held, or the file cannot be opened.
    public static func acquire(_ path: String, wait: TimeInterval) -> FileLock? {
        take(open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600), wait: wait)
    }

    /// The lock on a directory itself (nothing is created in it).
    public static func acquire(directory path: String, wait: TimeInterval) -> FileLock? {
        take(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), wait: wait)
    }

    private static func take(_ fd: Int32, wait: TimeInterval) -> FileLock? {
        guard fd >= 0 else { return nil }
        let deadline = ContinuousClock.now + .nanoseconds(Int64(max(0, wait) * 1e9))
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, ContinuousClock.now < deadline else {
                close(fd)
                return nil
            }
            Threads.sleep(seconds: 0.1)
        }
        return FileLock(fd: fd)
    }
}
