import DaneModel
import Foundation
import Synchronization

/// Values computed at most once per key while they are fresh, however many threads ask at
/// the same time: the first asker computes, the others wait for its answer. Used so a run over
/// thousands of domains asks the DNS once per question and probes each MX address once.
final class OnceCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// Unchecked Sendable: `value` and `expires` are written once, by the first asker, under
    /// `ready`'s lock, and read by the others only under it after the broadcast.
    private final class Entry: @unchecked Sendable {
        let ready = NSCondition()
        var value: Value?
        var expires = Date.distantFuture
    }

    private let entries = Mutex<[Key: Entry]>([:])
    private let clock: any Clock

    init(clock: any Clock) { self.clock = clock }

    /// The cached value for `key`, or `compute()`'s, kept for the seconds `lifetime` gives it.
    func value(for key: Key, lifetime: (Value) -> TimeInterval = { _ in .infinity }, _ compute: () -> Value) -> Value {
        let (entry, mine) = entries.withLock { table -> (Entry, Bool) in
            if let found = table[key], found.value == nil || found.expires > clock.now() { return (found, false) }
            let made = Entry()
            table[key] = made
            return (made, true)
        }
        if mine {
            let value = compute()
            let seconds = lifetime(value)
            entry.ready.lock()
            entry.value = value
            entry.expires = seconds.isFinite ? clock.now().addingTimeInterval(seconds) : .distantFuture
            entry.ready.broadcast()
            entry.ready.unlock()
            return value
        }
        entry.ready.lock()
        defer { entry.ready.unlock() }
        while entry.value == nil { entry.ready.wait() }
        return entry.value!
    }

    var count: Int { entries.withLock { $0.count } }
}

/// A run's DNS answers, kept for their TTL (failures for 30 s, denials for 60 s): many domains
/// on the same MX hosts ask the same questions, and each is asked once.
public struct CachingLookup: DNSLookup {
    let base: any DNSLookup
    private let answers: OnceCache<String, ClassifiedAnswer>
    /// Checking-disabled answers too: a batch of bogus domains re-walks the same root and TLD keys.
    private let uncheckedAnswers: OnceCache<String, DNSResponse?>

    public init(_ base: any DNSLookup, clock: any Clock) {
        self.base = base
        answers = OnceCache(clock: clock)
        uncheckedAnswers = OnceCache(clock: clock)
    }

    public func lookup(_ name: DNSName, _ type: RRType) -> ClassifiedAnswer {
        answers.value(for: "\(name.fqdn) \(type.rawValue)", lifetime: Self.lifetime) { base.lookup(name, type) }
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
            for: "\(name.fqdn) \(type.rawValue)",
            lifetime: { response in
                response.flatMap { $0.answer.map(\.ttl).min() }.map(TimeInterval.init) ?? 30
            }
        ) { base.unchecked(name, type) }
    }
    public var trustAnchors: String? { base.trustAnchors }
}
