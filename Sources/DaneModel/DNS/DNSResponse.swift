/// One record from an answer: owner, type, TTL and the RDATA decoded by type.
public struct DNSRecord: Sendable, Hashable {
    public let owner: DNSName
    public let type: RRType
    public let ttl: UInt32
    public let data: RecordData

    public init(owner: DNSName, type: RRType, ttl: UInt32, data: RecordData) {
        self.owner = owner
        self.type = type
        self.ttl = ttl
        self.data = data
    }

    /// `owner ttl IN TYPE rdata`.
    public var presentation: String { "\(owner.fqdn) \(ttl) IN \(type) \(data.presentation)" }
}

/// What a server said to one question: the response code, the AD bit and the answer section.
public struct DNSResponse: Sendable {
    public enum Code: Sendable, Equatable { case noError, nxDomain, servFail, refused, other(Int) }

    public let code: Code
    /// The AD bit: the validating resolver checked the whole chain.
    public let authenticated: Bool
    public let answer: [DNSRecord]
    /// The authority and additional sections, and the AA bit: what asking an authoritative
    /// server directly shows (a referral's NS and glue, whether the server owns the zone).
    public var authority: [DNSRecord] = []
    public var additional: [DNSRecord] = []
    public var authoritative = false
    /// RA: the server offers recursion (a resolver does; an authoritative-only server does not).
    public var recursionAvailable = true

    public init(code: Code, authenticated: Bool, answer: [DNSRecord]) {
        self.code = code
        self.authenticated = authenticated
        self.answer = answer
    }

    public func records(ofType type: RRType) -> [DNSRecord] { answer.filter { $0.type == type } }

    /// Answer records that are malformed for their type, with the reason.
    public var malformed: [(DNSRecord, String)] {
        answer.compactMap { if case .malformed(let reason, _) = $0.data { ($0, reason) } else { nil } }
    }

    /// The A and AAAA addresses in the answer.
    public var addresses: [String] {
        answer.compactMap { if case .address(let text) = $0.data { text } else { nil } }
    }

    public var tlsa: [TLSARecordData] {
        answer.compactMap { if case .tlsa(let tlsa) = $0.data { tlsa } else { nil } }
    }

    public var signatures: [RRSIGData] {
        answer.compactMap { if case .rrsig(let sig) = $0.data { sig } else { nil } }
    }

    public var soa: (record: DNSRecord, data: SOAData)? {
        for record in answer { if case .soa(let soa) = record.data { return (record, soa) } }
        return nil
    }

    /// Names from NS (or CNAME/DNAME) records of the answer.
    /// Each TXT record's character-strings joined into one text (RFC 7208 §3.3's rule, which
    /// TLS-RPT and MTA-STS records follow).
    public var texts: [String] {
        answer.compactMap { record in
            guard case .txt(let strings) = record.data else { return nil }
            return String(decoding: strings.flatMap { $0 }, as: UTF8.self)
        }
    }

    public func names(ofType type: RRType) -> [DNSName] {
        records(ofType: type).compactMap { if case .name(let name) = $0.data { name } else { nil } }
    }

    /// The TTL the zone gives the RRset of `type`: the largest RRSIG original TTL over it (a
    /// resolver counts cached TTLs down, and may cap them), else the largest record TTL.
    public func originalTTL(of type: RRType) -> UInt32? {
        signatures.filter { $0.typeCovered == type }.map(\.originalTTL).max()
            ?? records(ofType: type).map(\.ttl).max()
    }

    /// The first answer record that is not part of the answer to `name`/`type`: records must be
    /// owned by the name or a name its CNAME chain leads to (or be a DNAME above it), and be of
    /// the asked type, CNAME or DNAME; signatures must be owned likewise. A validator that checks
    /// signatures but not this accepts a signed answer to another question.
    public func recordNotAnswering(_ name: DNSName, _ type: RRType) -> DNSRecord? {
        var owners: Set<DNSName> = [name]
        var current = name
        for _ in 0..<16 {
            guard
                let next = answer.first(where: { $0.type == .cname && $0.owner == current }).flatMap({
                    if case .name(let target) = $0.data { target } else { nil }
                }), owners.insert(next).inserted
            else { break }
            current = next
        }
        return answer.first { record in
            if record.type == .dname { return !name.isSubdomain(of: record.owner) }
            guard owners.contains(record.owner) else {
                return !(record.type == .rrsig && answer.contains { $0.type == .dname && $0.owner == record.owner })
            }
            return ![type, .cname, .rrsig].contains(record.type)
        }
    }

    /// Follows CNAMEs in the answer from `name` to the name that holds the data, at most
    /// `limit` hops (RFC 7672 §2.2.2); nil when the chain is longer or loops.
    public func cnameTarget(from name: DNSName, limit: Int = 8) -> DNSName? {
        var current = name
        for _ in 0...limit {
            guard
                let next = answer.first(where: { $0.type == .cname && $0.owner == current }).flatMap({
                    if case .name(let target) = $0.data { target } else { nil }
                })
            else { return current }
            current = next
        }
        return nil
    }
}

/// Why a question got no response at all (timeout, unreachable server, unusable address).
public struct ResolverError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}
