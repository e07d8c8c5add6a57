import ByteStreams
import DaneModel
import LDNSKit

/// Questions to the validating resolver many at a time (LDNSKit's `QueryPipeline`), answers
/// classified by the same rules as `SecureLookup.lookup`. An answer that does not settle the
/// question by itself (SERVFAIL, REFUSED, no answer in time) comes back as nil: ask it the
/// ordinary way, which asks again with CD set, retries, and names the failure.
/// Owned by one thread (not Sendable).
public final class AnswerPipeline {
    private let pipeline: QueryPipeline

    init(_ pipeline: QueryPipeline) { self.pipeline = pipeline }

    /// Questions sent and not yet collected.
    public var inFlight: Int { pipeline.inFlight }

    /// Sends `name`/`type`; the ticket names its answer in `collect`.
    public func send(_ name: DNSName, _ type: RRType) -> Int { pipeline.send(name, type) }

    /// The answers that arrived by `deadline` (at least one when any can).
    public func collect(until deadline: Deadline) -> [(ticket: Int, answer: ClassifiedAnswer?)] {
        pipeline.collect(until: deadline).map { ticket, outcome in
            switch outcome {
            case .answered(let response):
                (ticket, SecureLookup.settled(response).map(SecureLookup.refusingMalformed))
            case .askAlone:
                (ticket, nil)
            }
        }
    }
}
