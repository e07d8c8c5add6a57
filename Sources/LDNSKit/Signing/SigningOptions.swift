import FoundationEssentials

/// How to sign: the denial-of-existence chain and the signature validity window.
public struct SigningOptions: Sendable {
    public enum Denial: Sendable, Equatable {
        case nsec
        /// RFC 9276 parameters are fixed: SHA-1, no extra iterations, empty salt.
        case nsec3(optOut: Bool)
    }

    /// CDS/CDNSKEY for the parent to pick up (RFC 7344, RFC 8078).
    public enum ChildSync: Sendable, Equatable {
        /// Leave whatever CDS/CDNSKEY the zone file has.
        case none
        /// CDS (SHA-256) and CDNSKEY for the key-signing keys (all keys when none is a KSK).
        case publish
        /// RFC 8078 §4's delete form: the parent should remove the DS (go insecure).
        case delete
    }

    public var denial: Denial
    public var childSync: ChildSync = .none
    /// Keep an existing RRSIG that verifies, covers unchanged data with a key still given, and
    /// does not expire within `refresh` of `now` (the SOA's is always made anew).
    public var keepSignatures = false
    public var refresh: TimeInterval = 0
    /// The signing time (inception is an hour before it).
    public var now: Date
    public var inception: Date
    /// The latest expiration; each RRset's signature expires somewhere in
    /// `expiration - jitter ... expiration`, so re-signing load and expiry are spread out.
    public var expiration: Date
    public var jitter: TimeInterval
    /// Signing threads; the default uses every core.
    public var threads: Int

    public init(
        denial: Denial = .nsec, inception: Date, expiration: Date, jitter: TimeInterval = 0,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        self.denial = denial
        self.now = inception.addingTimeInterval(3600)
        self.inception = inception
        self.expiration = expiration
        self.jitter = jitter
        self.threads = max(1, threads)
    }

    /// The validity window every signing command uses: from an hour before `now` (clocks
    /// drift) to `validityDays` after it, expirations spread over `jitterHours` (default: the
    /// last quarter of the window).
    public init(denial: Denial = .nsec, now: Date, validityDays: Int, jitterHours: Int? = nil) {
        let validity = TimeInterval(validityDays) * 86_400
        self.init(
            denial: denial, inception: now.addingTimeInterval(-3600), expiration: now.addingTimeInterval(validity),
            jitter: jitterHours.map { TimeInterval($0) * 3600 } ?? validity / 4)
    }

    /// The default refresh window: a quarter of the validity.
    public static func defaultRefresh(validityDays: Int) -> TimeInterval { TimeInterval(validityDays) * 86_400 / 4 }

    /// Old signatures expiring before this are made anew.
    var keepUntil: UInt32 { UInt32(clamping: Int64(now.addingTimeInterval(refresh).timeIntervalSince1970)) }
    var nowTime: UInt32 { UInt32(clamping: Int64(now.timeIntervalSince1970)) }

    /// The inception as RRSIG carries it.
    var inceptionTime: UInt32 { UInt32(clamping: Int64(inception.timeIntervalSince1970)) }

    /// The expiration for the RRset numbered `index`: deterministic for a given zone layout.
    func expiration(for index: Int) -> UInt32 {
        let end = UInt32(clamping: Int64(expiration.timeIntervalSince1970))
        let window = UInt64(max(0, jitter))
        guard window > 0 else { return end }
        var x = UInt64(truncatingIfNeeded: index) &+ 0x9E37_79B9_7F4A_7C15
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        x ^= x >> 31
        return end &- UInt32(x % window)
    }
}
