import Dispatch

/// Two independent jobs run at the same time, one on the calling thread: generate puts a
/// provider's 100,000 zone files in place while the claims on them are encoded.
public enum BothAtOnce {
    /// `first` and `second` at once; both results. The two must not share mutable state.
    public static func run<First, Second>(_ first: () -> First, _ second: () -> Second) -> (First, Second) {
        let results = Slots<Either<First, Second>>(count: 2)
        withoutActuallyEscaping(first) { first in
            withoutActuallyEscaping(second) { second in
                let jobs = UncheckedBox((first, second))
                DispatchQueue.concurrentPerform(iterations: 2) { index in
                    results.store(index, index == 0 ? .first(jobs.value.0()) : .second(jobs.value.1()))
                }
            }
        }
        guard case .first(let one) = results.values[0]!, case .second(let two) = results.values[1]! else {
            preconditionFailure("each slot holds its own job's result")
        }
        return (one, two)
    }

    private enum Either<First, Second> {
        case first(First)
        case second(Second)
    }
}
