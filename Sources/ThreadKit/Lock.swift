#if canImport(Glibc)
    import Glibc
#endif

/// A plain POSIX mutex, the lock danectl's hot paths take (a run's cache, the host reports):
/// no priority inheritance, so an uncontended lock is one atomic operation and a contended one
/// sleeps in the kernel without spinning. What Foundation's NSLock was, without Foundation.
/// Unchecked Sendable: the mutex is the synchronisation.
public final class Lock: @unchecked Sendable {
    /// Internal: a Condition waits on it.
    let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed: \(status)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }

    /// `body` with the lock held; released however `body` leaves.
    public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// A mutex with a condition variable: `wait` releases the lock while it sleeps and holds it
/// again when it returns. What Foundation's NSCondition was, without Foundation.
/// Unchecked Sendable: the mutex is the synchronisation.
public final class Condition: @unchecked Sendable {
    private let lockToWaitOn = Lock()
    private var mutex: UnsafeMutablePointer<pthread_mutex_t> { lockToWaitOn.mutex }
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    public init() {
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        // Deadlines are measured on the monotonic clock: a wall-clock step does not end a wait early or late.
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        precondition(pthread_cond_init(condition, &attributes) == 0, "pthread_cond_init failed")
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
    }

    public func lock() { lockToWaitOn.lock() }
    public func unlock() { lockToWaitOn.unlock() }
    public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T { try lockToWaitOn.withLock(body) }

    /// Sleeps until signalled (or woken spuriously: callers wait in a loop on their predicate).
    /// Call with the lock held.
    public func wait() { pthread_cond_wait(condition, mutex) }

    /// As `wait()`, for at most `seconds`; false when the time ran out.
    @discardableResult
    public func wait(seconds: Double) -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let whole = Int(seconds.rounded(.down))
        var nanoseconds = Int(now.tv_nsec) + Int((seconds - Double(whole)) * 1e9)
        var deadline = timespec()
        deadline.tv_sec = now.tv_sec + whole + nanoseconds / 1_000_000_000
        nanoseconds %= 1_000_000_000
        deadline.tv_nsec = nanoseconds
        return pthread_cond_timedwait(condition, mutex, &deadline) == 0
    }

    public func signal() { pthread_cond_signal(condition) }
    public func broadcast() { pthread_cond_broadcast(condition) }
}
