import DaneModel
import FoundationEssentials
import ThreadKit

/// Values computed at most once per key while they are fresh, however many threads ask at
/// the same time: the first asker computes, the others wait for its answer. Used so a run over
/// thousands of domains asks the DNS once per question and probes each MX address once.
///
/// A provider's run asks it hundreds of thousands of times from many threads for the same
/// hot keys (the root's and the TLD's keys for every domain), so the table is split into
/// shards with a lock each, and a computed value is handed out under that lock alone.
final class OnceCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// Where a value being computed is waited for. Unchecked Sendable: `value` is written once,
    /// by the first asker, under `ready`'s lock, and read by the others only under it.
    fileprivate final class Pending: @unchecked Sendable {
        let ready = Condition()
        var value: Value?
    }

    private enum Slot {
        /// `used`: asked for since the last sweep (see `sweep`).
        case ready(Value, expires: Date, used: Bool)
        case pending(Pending)
    }

    /// ThreadKit.Lock (a plain mutex) rather than Synchronization's Mutex, whose priority-inheritance futex spins and
    /// then goes through the kernel's rt-mutex when threads meet on a hot key.
    private final class Shard: @unchecked Sendable {
        private let lock = Lock()
        private var table: [Key: Slot] = [:]

        func withLock<T>(_ body: (inout [Key: Slot]) -> T) -> T {
            lock.lock()
            defer { lock.unlock() }
            return body(&table)
        }
    }

    private static var shardCount: Int { 32 }
    private let shards: [Shard]
    private let clock: any Clock
    /// Values a shard keeps before it sweeps out the ones nobody asked for again.
    private let shardCapacity: Int

    /// `capacity`: about how many values are kept. A provider's run asks hundreds of thousands
    /// of questions once each (every domain's MX and TXT) and a few hundred over and over (the
    /// hosts', zones' and root's); keeping them all cost 850 MiB at 100,000 domains.
    init(clock: any Clock, capacity: Int = 16_384) {
        self.clock = clock
        shardCapacity = max(1, capacity / Self.shardCount)
        shards = (0..<Self.shardCount).map { _ in Shard() }
    }

    private func shard(for key: Key) -> Shard {
        shards[Int(UInt(bitPattern: key.hashValue) % UInt(Self.shardCount))]
    }

    private enum Found {
        case value(Value)
        case wait(Pending)
        case compute(Pending)
    }

    /// The cached value for `key`, or `compute()`'s, kept for the seconds `lifetime` gives it.
    func value(for key: Key, lifetime: (Value) -> TimeInterval = { _ in .infinity }, _ compute: () -> Value) -> Value {
        let shard = shard(for: key)
        let now = clock.now()
        let found = shard.withLock { table -> Found in
            switch table[key] {
            case .ready(let value, let expires, let used)? where expires > now:
                if !used { table[key] = .ready(value, expires: expires, used: true) }
                return .value(value)
            case .pending(let pending)?: return .wait(pending)
            default:
                let pending = Pending()
                table[key] = .pending(pending)
                return .compute(pending)
            }
        }
        switch found {
        case .value(let value):
            return value
        case .wait(let pending):
            pending.ready.lock()
            defer { pending.ready.unlock() }
            while pending.value == nil { pending.ready.wait() }
            return pending.value!
        case .compute(let pending):
            let value = compute()
            fulfil(Claim(key: key, pending: pending), value, lifetime: lifetime(value))
            return value
        }
    }

    /// A key taken to be computed elsewhere (answered ahead of time): askers wait for
    /// `fulfil` as they wait for a first asker. Every claim must be fulfilled.
    struct Claim: @unchecked Sendable {
        fileprivate let key: Key
        fileprivate let pending: Pending
    }

    /// Takes `key` when nobody has a fresh value for it or is computing one.
    func claim(_ key: Key) -> Claim? {
        let now = clock.now()
        return shard(for: key).withLock { table -> Claim? in
            switch table[key] {
            case .ready(_, let expires, _)? where expires > now: return nil
            case .pending?: return nil
            default:
                let pending = Pending()
                table[key] = .pending(pending)
                return Claim(key: key, pending: pending)
            }
        }
    }

    /// Stores a claimed key's value for `seconds` and wakes whoever waits for it.
    func fulfil(_ claim: Claim, _ value: Value, lifetime seconds: TimeInterval) {
        let expires = seconds.isFinite ? clock.now().addingTimeInterval(seconds) : .distantFuture
        shard(for: claim.key).withLock { table in
            if table.count > shardCapacity { Self.sweep(&table) }
            // A new value counts as used, so the next sweep leaves it for a second ask.
            table[claim.key] = .ready(value, expires: expires, used: true)
        }
        claim.pending.ready.lock()
        claim.pending.value = value
        claim.pending.ready.broadcast()
        claim.pending.ready.unlock()
    }

    /// Whether `key` has a value now (not expired, not still being computed).
    func isReady(_ key: Key) -> Bool {
        let now = clock.now()
        return shard(for: key).withLock { table in
            if case .ready(_, let expires, _)? = table[key] { return expires > now }
            return false
        }
    }

    /// Second chance: drops the values nobody asked for since the last sweep and marks the rest
    /// unasked. What is asked over and over stays; what was asked once goes. Values still being
    /// computed are never dropped (their askers are waiting).
    private static func sweep(_ table: inout [Key: Slot]) {
        table = table.compactMapValues { slot in
            guard case .ready(let value, let expires, let used) = slot else { return slot }
            return used ? .ready(value, expires: expires, used: false) : nil
        }
    }

    var count: Int { shards.reduce(0) { total, shard in total + shard.withLock { $0.count } } }
}

/// A run's DNS answers, kept for their TTL (failures for 30 s, denials for 60 s): many domains
/// on the same MX hosts ask the same questions, and each is asked once.
public struct CachingLookup: DNSLookup {
    let base: any DNSLookup
    private let answers: OnceCache<Question, ClassifiedAnswer>
    /// Checking-disabled answers too: a batch of bogus domains re-walks the same root and TLD keys.
    private let uncheckedAnswers: OnceCache<Question, DNSResponse?>

    /// A question as the caches know it: no text is made for it (joining a name's labels into
    /// a key string for each of a provider's half a million lookups showed in its profile).
    struct Question: Hashable, Sendable {
        let name: DNSName
        let type: RRType
    }

    public init(_ base: any DNSLookup, clock: any Clock) {
        self.base = base
        answers = OnceCache(clock: clock)
        uncheckedAnswers = OnceCache(clock: clock)
    }

    public func lookup(_ name: DNSName, _ type: RRType) -> ClassifiedAnswer {
        answers.value(for: Self.key(name, type), lifetime: Self.lifetime) { base.lookup(name, type) }
    }

    private static func key(_ name: DNSName, _ type: RRType) -> Question { Question(name: name, type: type) }

    public func answerPipeline() -> AnswerPipeline? { base.answerPipeline() }

    /// A question about to be asked ahead of the domain that needs it (`AnswersAhead`): nil
    /// when its answer is known or being asked already. Every claim must be answered.
    func claim(_ name: DNSName, _ type: RRType) -> OnceCache<Question, ClassifiedAnswer>.Claim? {
        answers.claim(Self.key(name, type))
    }

    /// Keeps a claimed question's answer, and hands it to whoever waits for it.
    func answer(_ claim: OnceCache<Question, ClassifiedAnswer>.Claim, with answer: ClassifiedAnswer) {
        answers.fulfil(claim, answer, lifetime: Self.lifetime(answer))
    }

    /// Answers a claimed question the ordinary way (the pipeline could not settle it).
    func answerAlone(_ claim: OnceCache<Question, ClassifiedAnswer>.Claim, _ name: DNSName, _ type: RRType) {
        answer(claim, with: base.lookup(name, type))
    }

    static func lifetime(_ answer: ClassifiedAnswer) -> TimeInterval {
        guard answer.status != .failed, let response = answer.response else { return 30 }
        guard let ttl = response.answer.map(\.ttl).min() else { return 60 }
        return TimeInterval(ttl)
    }

    public func ask(server: String, _ name: DNSName, _ type: RRType) throws(ResolverError) -> DNSResponse {
        try base.ask(server: server, name, type)
    }

    public func resolverAnswers() -> Bool { base.resolverAnswers() }
    public func resolverRecursion() -> ResolverRecursion { base.resolverRecursion() }
    public func unchecked(_ name: DNSName, _ type: RRType) -> DNSResponse? {
        uncheckedAnswers.value(
            for: Self.key(name, type),
            lifetime: { response in
                response.flatMap { $0.answer.map(\.ttl).min() }.map(TimeInterval.init) ?? 30
            }
        ) { base.unchecked(name, type) }
    }
    public var trustAnchors: String? { base.trustAnchors }
}
