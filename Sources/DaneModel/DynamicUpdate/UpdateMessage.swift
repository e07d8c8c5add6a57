/// An RFC 2136 UPDATE for one zone, as values: the prerequisites that pin the RRsets as they
/// were read (so a concurrent change fails the update instead of being overwritten) and the
/// edits. One message per zone: the server applies it whole or not at all (RFC 2136 §3.4).
public struct UpdateMessage: Sendable, Equatable {
    /// A record in the prerequisite or update section; the class carries the meaning
    /// (RFC 2136 §2.4 and §2.5): IN adds or pins a value, NONE deletes one record or says an
    /// RRset does not exist, ANY deletes a whole RRset.
    public struct Entry: Sendable, Equatable {
        public enum Class: String, Sendable { case `in` = "IN", none = "NONE", any = "ANY" }
        public let owner: DNSName
        public let type: RRType
        public let recordClass: Class
        public let ttl: UInt32
        public let data: RecordData?

        public init(owner: DNSName, type: RRType, recordClass: Class, ttl: UInt32, data: RecordData?) {
            self.owner = owner
            self.type = type
            self.recordClass = recordClass
            self.ttl = ttl
            self.data = data
        }
    }

    public let zone: DNSName
    public let prerequisites: [Entry]
    public let updates: [Entry]

    /// The key check `publish` sends first: no change at all, only the prerequisite that the
    /// zone's SOA exists (RFC 2136 §2.4.1, "RRset exists, value independent").
    public static func keyCheck(zone: DNSName) -> UpdateMessage {
        UpdateMessage(
            zone: zone, prerequisites: [Entry(owner: zone, type: .soa, recordClass: .any, ttl: 0, data: nil)],
            updates: [])
    }

    init(zone: DNSName, prerequisites: [Entry], updates: [Entry]) {
        self.zone = zone
        self.prerequisites = prerequisites
        self.updates = updates
    }

    public init(zone: DNSName, changes: [RRsetChange]) {
        self.zone = zone
        var prerequisites: [Entry] = []
        var updates: [Entry] = []
        for change in changes {
            if change.old.isEmpty {
                // §2.4.3 "RRset does not exist".
                prerequisites.append(
                    Entry(owner: change.owner, type: change.type, recordClass: .none, ttl: 0, data: nil))
            } else {
                // §2.4.2 "RRset exists (value dependent)": the whole RRset as it was read.
                prerequisites += change.old.map {
                    Entry(owner: change.owner, type: change.type, recordClass: .in, ttl: 0, data: $0)
                }
            }
            if change.replacesWhole || change.action == .delete {
                updates.append(Entry(owner: change.owner, type: change.type, recordClass: .any, ttl: 0, data: nil))
            } else {
                updates += change.removed.map {
                    Entry(owner: change.owner, type: change.type, recordClass: .none, ttl: 0, data: $0)
                }
            }
            updates += change.added.map {
                Entry(owner: change.owner, type: change.type, recordClass: .in, ttl: change.newTTL ?? 0, data: $0)
            }
        }
        self.prerequisites = prerequisites
        self.updates = updates
    }
}

/// The server's answer to an UPDATE: RCODE, the TSIG error it reported, and whether its TSIG
/// verified with the key.
public struct UpdateAnswer: Sendable, Equatable {
    public let rcode: Int
    public let tsigError: Int?
    public let signatureVerified: Bool
    public var result: UpdateResult { UpdateResult(rcode: rcode, tsigError: tsigError) }

    public init(rcode: Int, tsigError: Int?, signatureVerified: Bool) {
        self.rcode = rcode
        self.tsigError = tsigError
        self.signatureVerified = signatureVerified
    }
}

/// What the server said to an UPDATE, classified the way the operator has to act on it.
public enum UpdateResult: Sendable, Equatable {
    case applied
    /// The TSIG was not accepted: BADSIG (16), BADKEY (17) or BADTIME (18), RFC 8945 §5.2.
    case tsigRejected(code: Int)
    case refused
    /// NOTAUTH without a TSIG error, NOTZONE, or NOTIMP: this server is not the zone's primary.
    case notAuthoritative(code: Int)
    /// YXDOMAIN, NXDOMAIN, YXRRSET or NXRRSET: an RRset changed since it was read.
    case prerequisiteFailed(code: Int)
    case failed(code: Int)

    public init(rcode: Int, tsigError: Int?) {
        if let tsigError, tsigError != 0 { self = .tsigRejected(code: tsigError); return }
        self =
            switch rcode {
            case 0: .applied
            case 5: .refused
            // NOTIMP: a server that takes no updates at all (a secondary; NSD): not the primary either.
            case 4, 9, 10: .notAuthoritative(code: rcode)
            case 3, 6, 7, 8: .prerequisiteFailed(code: rcode)
            default: .failed(code: rcode)
            }
    }

    /// The mnemonic of an RCODE or TSIG error (RFC 6895's registry).
    public static func name(ofCode code: Int) -> String {
        [
            0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED", 6: "YXDOMAIN",
            7: "YXRRSET", 8: "NXRRSET", 9: "NOTAUTH", 10: "NOTZONE", 16: "BADSIG", 17: "BADKEY", 18: "BADTIME",
            22: "BADTRUNC",
        ][code] ?? "RCODE \(code)"
    }
}
