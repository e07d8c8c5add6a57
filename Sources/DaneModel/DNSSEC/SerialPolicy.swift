import FoundationEssentials

/// How `sign` moves the SOA serial forward (RFC 1982 serial arithmetic, so a wrapped serial
/// still counts as newer to secondaries).
public enum SerialPolicy: String, Sendable, CaseIterable {
    /// serial + 1
    case increment
    /// the current Unix time, or serial + 1 if that is not newer
    case unixtime
    /// YYYYMMDDnn: today with a two-digit counter, or serial + 1 if that is not newer
    case date
    /// leave the serial alone (for pipelines that manage it themselves)
    case keep

    public func next(after serial: UInt32, now: Date) -> UInt32 {
        let candidate: UInt32
        switch self {
        case .keep: return serial
        case .increment: return serial &+ 1
        case .unixtime: candidate = UInt32(clamping: Int64(now.timeIntervalSince1970))
        case .date:
            let day = RFC3339.civilDay(now)
            candidate = UInt32(clamping: day.year * 1_000_000 + day.month * 10_000 + day.day * 100)
        }
        return Self.isNewer(candidate, than: serial) ? candidate : serial &+ 1
    }

    /// RFC 1982 §3.2: a is newer than b.
    public static func isNewer(_ a: UInt32, than b: UInt32) -> Bool {
        a != b && (a &- b) < 0x8000_0000
    }
}
