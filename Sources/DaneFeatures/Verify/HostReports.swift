import DaneModel
import FoundationEssentials
import ThreadKit

/// A provider's domains share a few MX hosts, and the report on a host is the same for every
/// domain that names it (same lookups, same probes). Each report is kept once: a report equal
/// to the last one made for that host and preference is handed out in its place, so 100,000
/// domains hold 100,000 references to a few hundred reports' texts and lists, not 100,000 copies.
/// Only the memory is shared; every domain's report stays what was found for it.
/// Unchecked Sendable: `last` is read and written only under `lock` (ThreadKit.Lock, a plain mutex, rather than
/// Synchronization's Mutex: every domain of a run passes here, and Mutex's priority-inheritance
/// futex spun on it, 4% of a provider's warm run).
final class HostReports: @unchecked Sendable {
    private let lock = Lock()
    private var last: [Key: HostReport] = [:]

    struct Key: Hashable {
        let host: String
        let preference: Int
    }

    /// `made`, or an equal report made before (whose storage it then shares).
    func shared(_ made: HostReport) -> HostReport {
        let key = Key(host: made.host, preference: made.preference)
        if let known = lock.withLock({ last[key] }), known == made { return known }
        lock.withLock { last[key] = made }
        return made
    }
}
