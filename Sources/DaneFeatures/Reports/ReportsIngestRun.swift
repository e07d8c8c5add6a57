import DaneModel
import Dispatch
import FoundationEssentials
import ReportStore
import Synchronization
import ThreadKit

/// `reports ingest` as the CLI calls it: read the inputs, store them in batches (one
/// transaction each: a disk sync per batch, not per report; 2,000 reports or 64 MiB, since at
/// 500 the syncs alone were a quarter of the store's time), and tell each outcome as soon as
/// its batch is committed. Nothing is told as stored before it is.
public enum ReportsIngestRun {
    /// What happened to one input, in order.
    public enum Event: Sendable {
        case outcome(source: String, ReportIngest.Outcome)
        /// Could not be read at all (a named FIFO, a permission problem).
        case unreadable(source: String, reason: String)
        /// Met in a directory but not read (a link, a FIFO, the store's own file).
        case skipped(ReportInputs.Skipped)
    }

    public struct Tally: Sendable {
        public var stored = 0, duplicates = 0, conflicting = 0, keptAside = 0, unreadable = 0
        /// Whether standard input (an MTA pipe) was among the inputs.
        public var fromPipe = false
        /// Set when the store failed: the inputs from that batch on were not recorded.
        public var storeFailure: ReportStore.Failure?

        public init() {}

        mutating func count(_ outcome: ReportIngest.Outcome) {
            switch outcome {
            case .stored: stored += 1
            case .duplicate: duplicates += 1
            case .conflicting: conflicting += 1
            case .keptAside: keptAside += 1
            }
        }
    }

    public static func run(
        _ inputs: [ReportInputs.Input], skipped: [ReportInputs.Skipped], ingest: ReportIngest,
        batchSize: Int = 2_000, event: (Event) throws -> Void
    ) rethrows -> Tally {
        var tally = Tally()
        tally.fromPipe = inputs.contains(where: \.isStandardInput)
        for item in skipped { try event(.skipped(item)) }
        var batch: [(data: Data, source: String)] = []
        var unreadable: [Event] = []
        var batchBytes = 0
        var saving: [Pending] = []
        /// Tells the oldest batch in flight once it is committed (its unreadable inputs first,
        /// as they came among its inputs); false when the store failed: the batches still in
        /// flight are waited for and told if they were committed, nothing later is stored.
        func settleOldest() throws -> Bool {
            let pending = saving.removeFirst()
            let result = pending.save?.wait()
            try tell(pending, result)
            guard case .failure(let error)? = result else { return true }
            tally.storeFailure = error
            while !saving.isEmpty {
                let later = saving.removeFirst()
                try tell(later, later.save?.wait())
            }
            return false
        }
        func tell(_ pending: Pending, _ result: Result<[[ReportIngest.Outcome]], ReportStore.Failure>?) throws {
            tally.unreadable += pending.unreadable.count
            for item in pending.unreadable { try event(item) }
            guard case .success(let results)? = result else { return }
            for (source, outcomes) in zip(pending.sources, results) {
                for outcome in outcomes {
                    tally.count(outcome)
                    try event(.outcome(source: source, outcome))
                }
            }
        }
        /// Parses this batch while the earlier ones are being stored, then hands it to the store.
        func flush() throws -> Bool {
            let prepared = batch.isEmpty ? [] : prepareAll(batch, ingest: ingest)
            while saving.count >= ingest.store.batchesInFlight {
                guard try settleOldest() else { return false }
            }
            saving.append(
                Pending(
                    sources: batch.map(\.source), unreadable: unreadable,
                    save: prepared.isEmpty ? nil : BackgroundSave(prepared, ingest: ingest)))
            (batch, unreadable, batchBytes) = ([], [], 0)
            return true
        }
        for input in inputs {
            do {
                let data = try input.read()
                batch.append((data, input.source))
                batchBytes += data.count
            } catch {
                unreadable.append(.unreadable(source: input.source, reason: "\(error)"))
            }
            if batch.count >= batchSize || batchBytes >= 64 << 20 {
                // The store itself failed: stop before more inputs go unrecorded.
                guard try flush() else { return tally }
            }
        }
        guard try flush() else { return tally }
        while !saving.isEmpty {
            guard try settleOldest() else { return tally }
        }
        if tally.stored >= batchSize { ingest.store.refreshAfterBulkLoad() }
        return tally
    }

    /// A batch handed to the store, told once it is committed.
    struct Pending {
        let sources: [String]
        let unreadable: [Event]
        let save: BackgroundSave?
    }

    /// One batch being stored off the reading thread, so that the next batch is read and
    /// parsed meanwhile. Its owner has at most `ReportStore.batchesInFlight` of them at once
    /// and tells their outcomes in input order.
    final class BackgroundSave: Sendable {
        private let done = DispatchSemaphore(value: 0)
        private let result = Mutex<Result<[[ReportIngest.Outcome]], ReportStore.Failure>?>(nil)

        /// A thread of its own, not one of Dispatch's workers: on a worker, the store took one
        /// of the threads the next batch's parsing (concurrentPerform) runs on.
        init(_ prepared: [ReportIngest.Prepared], ingest: ReportIngest) {
            Threads.start { [self] in
                let outcome = Result { () throws(ReportStore.Failure) in try ingest.save(prepared) }
                result.withLock { $0 = outcome }
                done.signal()
            }
        }

        func wait() -> Result<[[ReportIngest.Outcome]], ReportStore.Failure> {
            done.wait()
            return result.withLock { $0! }
        }
    }

    /// Unpacks, parses and checks a batch on every core (that is most of ingest's work); the
    /// batch is then stored in one transaction, in input order, as before.
    static func prepareAll(_ batch: [(data: Data, source: String)], ingest: ReportIngest) -> [ReportIngest.Prepared] {
        let prepared = Mutex<[ReportIngest.Prepared?]>(Array(repeating: nil, count: batch.count))
        DispatchQueue.concurrentPerform(iterations: batch.count) { index in
            let one = ingest.prepare(batch[index].data, source: batch[index].source)
            prepared.withLock { $0[index] = one }
        }
        return prepared.withLock { $0.compactMap { $0 } }
    }

    /// The exit status: an MTA turns 73 and 65 into bounces (to senders that may be forged),
    /// so from a pipe a kept-aside input is 0 (it is in the store, listed by `reports
    /// rejected`) and a store that cannot take it now is 75 (the MTA keeps the message and
    /// tries again). From files: 75 for a fault that can pass, 73 for a store that cannot be
    /// written, 66 for unreadable inputs, 65 for inputs kept aside.
    public static func status(_ tally: Tally) -> ExitStatus {
        if let failure = tally.storeFailure { return failure.transient || tally.fromPipe ? .tryLater : .cannotCreate }
        if tally.fromPipe { return tally.unreadable > 0 ? .tryLater : .success }
        if tally.unreadable > 0 { return .noInput }
        if tally.keptAside + tally.conflicting > 0 { return .badData }
        return .success
    }
}
