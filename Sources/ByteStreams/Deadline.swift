/// The moment an I/O step must be done by, on the monotonic clock: a wall-clock step (NTP, a
/// VM resumed) can neither stretch a probe's timeout nor end it early.
public struct Deadline: Sendable, Comparable {
    public let instant: ContinuousClock.Instant

    public init(_ instant: ContinuousClock.Instant) { self.instant = instant }

    /// `seconds` from now.
    public static func after(_ seconds: Double) -> Deadline {
        Deadline(.now + .nanoseconds(Int64((max(0, seconds) * 1e9).rounded())))
    }

    /// Seconds left (negative once passed).
    public var remaining: Double {
        (instant - .now).seconds
    }

    public var hasPassed: Bool { ContinuousClock.now >= instant }

    /// This deadline moved by `seconds` (negative: earlier).
    public func adding(_ seconds: Double) -> Deadline {
        Deadline(instant + .nanoseconds(Int64((seconds * 1e9).rounded())))
    }

    public static func < (a: Deadline, b: Deadline) -> Bool { a.instant < b.instant }
}

extension Duration {
    /// In seconds, fractions included (for timeouts and log lines).
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
