import ByteStreams
import DaneModel
import Dispatch
import FoundationEssentials
import Synchronization
import ThreadKit

/// A provider's run asks every domain the same few questions of its own (MX; then the TLS-RPT
/// and MTA-STS records and the domain's DNSKEY, and its DS when it is a signed zone), while
/// the MX hosts' questions are shared and cached. Asked one at a time from the domain threads,
/// each question cost a thread switch and a socket; asked here, ahead of the domain threads,
/// up to `inFlightLimit` travel at once over the resolver pipeline, the way dnsperf sends
/// them. Each question is claimed in the run's cache first, so a domain that gets there
/// before its answer waits for it instead of asking again, and a question the pipeline cannot
/// settle (SERVFAIL, no answer in time) is answered the ordinary way. The questions are the
/// ones `Verifier.verify(domain:)` goes on to ask for an existing domain with a real MX:
/// nothing is asked that the domain's check would not ask, except for a domain whose check
/// stops early on something only it sees (a malformed MX).
final class AnswersAhead: Sendable {
    private let lookup: CachingLookup
    private let domains: [String]
    /// Domains whose check has begun: questions are sent at most `lead` domains past them,
    /// so a 100,000-domain run keeps a few thousand answers waiting, not all of them.
    private let begun = Atomic(0)
    /// Domains whose MX question has been asked here (claimed and sent, or found answered).
    private let asked = Atomic(0)
    /// Domain threads waiting for `asked` to pass their domain, woken through `gate`.
    private let waiting = Atomic(0)
    private let gate = Condition()
    private let done = DispatchSemaphore(value: 0)
    private let lead = 1_024
    /// Questions in flight at most (see `inFlight(jobs:)`).
    private let inFlightLimit: Int

    private init(lookup: CachingLookup, domains: [String], jobs: Int) {
        self.lookup = lookup
        self.domains = domains
        inFlightLimit = Self.inFlight(jobs: jobs)
        alone = AloneAskers(lookup)
    }

    /// The questions in flight for `--jobs N`: a domain's four per domain checked at once, so
    /// an operator who lowers --jobs to spare a shared resolver lowers this too; at most 100,
    /// as many as dnsperf keeps in flight (two threads of 100 each overflowed the kernel's UDP
    /// receive buffers on 2 cores, and were slower than one).
    static func inFlight(jobs: Int) -> Int { min(100, 4 * max(1, jobs)) }

    /// Starts asking ahead for `domains` (in the order they will be checked) when `lookup`
    /// can: a run cache over a resolver whose AD bit is trusted.
    static func start(_ lookup: any DNSLookup, domains: [String], jobs: Int) -> AnswersAhead? {
        guard domains.count > 1, let caching = lookup as? CachingLookup else { return nil }
        let ahead = AnswersAhead(lookup: caching, domains: domains, jobs: jobs)
        Threads.start(stackSize: 1 << 20) { ahead.run() }
        return ahead
    }

    /// Domain `index`'s check begins (called by the domain threads, in index order). It waits
    /// until its MX question is asked here: a domain thread that overtook this one would ask
    /// its questions one at a time, and the CPU that costs on a busy machine is what this
    /// thread needs to catch up, so once behind it would stay behind (half the questions of
    /// a warm 10,000-domain run went that way, and the run took 2.2 s instead of 1.5).
    func began(_ index: Int) {
        begun.add(1, ordering: .sequentiallyConsistent)
        guard asked.load(ordering: .sequentiallyConsistent) <= index else { return }
        waiting.add(1, ordering: .sequentiallyConsistent)
        gate.lock()
        while asked.load(ordering: .sequentiallyConsistent) <= index { gate.wait() }
        gate.unlock()
        waiting.subtract(1, ordering: .sequentiallyConsistent)
    }

    /// Lets the domain threads whose MX questions are asked go on.
    private func publish(asked count: Int) {
        asked.store(count, ordering: .sequentiallyConsistent)
        guard waiting.load(ordering: .sequentiallyConsistent) > 0 else { return }
        gate.lock()
        gate.broadcast()
        gate.unlock()
    }

    /// Waits until every question asked ahead is answered (each was, for its domain to finish).
    func wait() { done.wait() }

    /// Questions the pipeline could not settle, asked the ordinary way by at most
    /// `AloneAskers.limit` threads of their own: the ahead thread never waits on one (a silent
    /// server would stall every domain behind it), and a resolver failing mid-run queues them
    /// here instead of starting a blocked thread per question.
    private let alone: AloneAskers

    private final class AloneAskers: @unchecked Sendable {
        static let limit = 8
        private let lookup: CachingLookup
        /// `waiting` and `threads` are used only under `lock`.
        private let lock = Condition()
        private var waiting: [Asked] = []
        private var threads = 0
        private var idle = 0

        init(_ lookup: CachingLookup) { self.lookup = lookup }

        func ask(_ question: Asked) {
            lock.lock()
            defer { lock.unlock() }
            waiting.append(question)
            if idle > 0 {
                lock.signal()
            } else if threads < Self.limit {
                threads += 1
                Threads.start(stackSize: 1 << 20) { self.work() }
            }
        }

        /// Answers waiting questions until none is left for a second, then ends.
        private func work() {
            lock.lock()
            while true {
                if waiting.isEmpty {
                    idle += 1
                    let woken = lock.wait(seconds: 1)
                    idle -= 1
                    if !woken && waiting.isEmpty { break }
                    continue
                }
                let question = waiting.removeFirst()
                lock.unlock()
                lookup.answerAlone(question.claim, question.name, question.type)
                lock.lock()
            }
            threads -= 1
            lock.unlock()
        }
    }

    private struct Asked {
        let claim: OnceCache<CachingLookup.Question, ClassifiedAnswer>.Claim
        let name: DNSName
        let type: RRType
        /// The domain whose own questions follow from this answer.
        let domain: DNSName
    }

    private func run() {
        defer {
            publish(asked: Int.max)
            done.signal()
        }
        guard let pipeline = lookup.answerPipeline() else { return }
        var asked: [Int: Asked] = [:]
        // Claimed and not yet sent; sent before any new domain's MX, so a domain waiting for
        // one of its own questions waits for a short queue.
        var queue: [Asked] = []
        var next = 0
        func claim(_ name: DNSName, _ type: RRType, for domain: DNSName) -> Asked? {
            lookup.claim(name, type).map { Asked(claim: $0, name: name, type: type, domain: domain) }
        }
        func send(_ question: Asked) { asked[pipeline.send(question.name, question.type)] = question }
        while true {
            while pipeline.inFlight < inFlightLimit, let question = queue.popLast() { send(question) }
            let allowed = min(domains.count, begun.load(ordering: .relaxed) + lead)
            while pipeline.inFlight < inFlightLimit, queue.isEmpty, next < allowed {
                let domain = Verifier.domainName(domains[next])
                next += 1
                if let question = claim(domain, .mx, for: domain) { send(question) }
            }
            publish(asked: next)
            if next >= domains.count, queue.isEmpty, pipeline.inFlight == 0 { return }
            let wait = pipeline.inFlight > 0 ? 0.1 : 0.001
            for (ticket, answer) in pipeline.collect(until: .after(wait)) {
                guard let question = asked.removeValue(forKey: ticket) else { continue }
                guard let answer else {
                    alone.ask(question)
                    continue
                }
                // The questions this answer leads to are claimed before the domain hears it,
                // so its check waits for them here rather than asking them one at a time.
                queue += Self.following(question.name, question.type, answer, of: question.domain).compactMap {
                    claim($0.0, $0.1, for: question.domain)
                }
                lookup.answer(question.claim, with: answer)
            }
        }
    }

    /// The domain's questions that `answer` (to `name`/`type`) leads its check to ask, in the
    /// check's own order: MX, then the TLS-RPT record, then the domain's DNSKEY and MTA-STS
    /// record side by side (a cold resolver answers those two from the NSEC record the TLS-RPT
    /// denial brought, as it does for the one-at-a-time order), then DS for a signed zone.
    static func following(
        _ name: DNSName, _ type: RRType, _ answer: ClassifiedAnswer, of domain: DNSName
    ) -> [(DNSName, RRType)] {
        guard answer.status == .secure || answer.status == .insecure, let response = answer.response else { return [] }
        switch type {
        case .mx where response.code == .noError:
            let exchanges = response.records(ofType: .mx)
            if exchanges.count == 1, case .mx(_, let exchange) = exchanges[0].data, exchange.labels.isEmpty {
                return []  // a null MX: the check ends there
            }
            return [(TLSRPTPolicy.ownerName(domain: domain), .txt)]
        case .txt where name == TLSRPTPolicy.ownerName(domain: domain):
            return [(MTASTSRecord.ownerName(domain: domain), .txt), (domain, .dnskey)]
        case .dnskey
        where answer.status == .secure && response.code == .noError
            && !response.records(ofType: .dnskey).isEmpty:
            return domain.labels.isEmpty ? [] : [(domain, .ds)]
        default:
            return []
        }
    }
}
