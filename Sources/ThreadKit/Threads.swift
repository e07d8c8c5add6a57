#if canImport(Glibc)
    import Glibc
#endif

/// Threads of danectl's own (the answers read ahead, the description checked beside its
/// parse, the HTTP connections): POSIX threads, detached, started with a closure.
public enum Threads {
    /// Starts `body` on a new detached thread with `stackSize` bytes of stack (the system's
    /// default when nil). A thread that cannot be made is a fault of the machine (out of
    /// memory or of threads): it stops the program with the reason rather than losing work.
    public static func start(stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        if let stackSize { pthread_attr_setstacksize(&attributes, stackSize) }
        var thread = pthread_t()
        let status = pthread_create(
            &thread, &attributes,
            { context in
                guard let context else { return nil }
                Unmanaged<Body>.fromOpaque(context).takeRetainedValue().run()
                return nil
            }, box)
        guard status == 0 else {
            Unmanaged<Body>.fromOpaque(box).release()
            fatalError("cannot start a thread: \(String(cString: strerror(status)))")
        }
    }

    /// Sleeps the calling thread for `seconds`.
    public static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec()
        request.tv_sec = Int(seconds.rounded(.down))
        request.tv_nsec = Int((seconds - Double(request.tv_sec)) * 1e9)
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
    }

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}
