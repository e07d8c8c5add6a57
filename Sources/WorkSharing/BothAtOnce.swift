import Dispatch
import ThreadKit

/// Two independent jobs run at the same time, the second on a thread of its own (so they
/// overlap even on one core, where a waiting job must not hold up the other): generate puts a
/// provider's 100,000 zone files in place while the claims on them are encoded.
public enum BothAtOnce {
    /// `first` here and `second` on its own thread at once; both results once both are done.
    /// The two must not share mutable state.
    public static func run<First, Second: Sendable>(
        _ first: () -> First, _ second: @escaping @Sendable () -> Second
    ) -> (First, Second) {
        let other = Slots<Second>(count: 1)
        let done = DispatchSemaphore(value: 0)
        Threads.start {
            other.store(0, second())
            done.signal()
        }
        let one = first()
        done.wait()
        return (one, other.values[0]!)
    }
}
