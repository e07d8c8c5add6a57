import Foundation
internal import CLDNS

/// One record from an answer, in presentation form, split into RDATA fields.
public struct DNSRecord: Sendable, Hashable {
    public let owner: String
    public let type: String
    public let ttl: UInt32
    public let fields: [String]
}

/// What the resolver said to one question.
public struct DNSResponse: Sendable {
    public enum Code: Sendable, Equatable { case noError, nxDomain, servFail, refused, other(Int) }

    public let code: Code
    /// The AD bit: the validating resolver checked the whole chain.
    public let authenticated: Bool
    public let answer: [DNSRecord]

    public func records(ofType type: String) -> [DNSRecord] { answer.filter { $0.type == type } }
}

/// Why a question got no response at all.
public struct ResolverError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// Asks one recursive resolver, with DNSSEC OK set, the way a DANE sender's stub resolver
/// does: it trusts the resolver's AD bit (so the resolver must validate).
public final class StubResolver: @unchecked Sendable {
    private let resolver: UnsafeMutablePointer<ldns_resolver>
    private let lock = NSLock()
    public let address: String

    /// `address` is `IP` or `IP:PORT` (`[IPv6]:PORT`); nil reads /etc/resolv.conf.
    public init(address: String?, timeout: TimeInterval = 5) throws(ResolverError) {
        (resolver, self.address) = try Self.make(address: address, timeout: timeout)
    }

    /// An ldns resolver asking `address` (or /etc/resolv.conf's servers) with DNSSEC OK set;
    /// shared with AnchoredValidator. Also returns how to name the server in messages.
    static func make(address: String?, timeout: TimeInterval) throws(ResolverError) -> (UnsafeMutablePointer<ldns_resolver>, String) {
        var made: UnsafeMutablePointer<ldns_resolver>?
        let label: String
        if let address {
            let (host, port) = split(address)
            made = ldns_resolver_new()
            let rdf = ldns_rdf_new_frm_str(host.contains(":") ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, host)
            guard let made, let rdf else { throw ResolverError(description: "\"\(address)\" is not an IP address[:port]") }
            defer { ldns_rdf_deep_free(rdf) }
            _ = ldns_resolver_push_nameserver(made, rdf)
            ldns_resolver_set_port(made, port)
            label = address
        } else {
            let status = ldns_resolver_new_frm_file(&made, nil)
            guard status == LDNS_STATUS_OK, made != nil else {
                throw ResolverError(description: "cannot read /etc/resolv.conf; pass --resolver ADDRESS")
            }
            label = "system resolver"
        }
        let resolver = made!
        ldns_resolver_set_dnssec(resolver, 1)
        ldns_resolver_set_recursive(resolver, 1)
        ldns_resolver_set_retry(resolver, 2)
        ldns_resolver_set_random(resolver, 0)
        ldns_resolver_set_edns_udp_size(resolver, 1232)
        let seconds = Int(timeout)
        ldns_resolver_set_timeout(resolver, timeval(tv_sec: seconds, tv_usec: Int((timeout - Double(seconds)) * 1_000_000)))
        return (resolver, label)
    }

    deinit { ldns_resolver_deep_free(resolver) }

    static func split(_ address: String) -> (String, UInt16) {
        if address.hasPrefix("["), let close = address.firstIndex(of: "]") {
            let host = String(address[address.index(after: address.startIndex)..<close])
            let rest = address[address.index(after: close)...]
            return (host, rest.hasPrefix(":") ? UInt16(rest.dropFirst()) ?? 53 : 53)
        }
        let parts = address.split(separator: ":")
        if parts.count == 2, let port = UInt16(parts[1]) { return (String(parts[0]), port) }
        return (address, 53)
    }

    /// Asks `name`/`type`; `checkingDisabled` sets CD (to tell bogus data from a dead server).
    public func query(_ name: String, _ type: String, checkingDisabled: Bool = false) throws(ResolverError) -> DNSResponse {
        lock.lock()
        defer { lock.unlock() }
        guard let owner = ldns_dname_new_frm_str(name) else { throw ResolverError(description: "\"\(name)\" is not a domain name") }
        defer { ldns_rdf_deep_free(owner) }
        let rrType = ldns_get_rr_type_by_name(type)
        ldns_resolver_set_dnssec_cd(resolver, checkingDisabled ? 1 : 0)
        var packet: UnsafeMutablePointer<ldns_pkt>?
        let status = ldns_resolver_query_status(&packet, resolver, owner, rrType, LDNS_RR_CLASS_IN, UInt16(LDNS_RD) | (checkingDisabled ? UInt16(LDNS_CD) : 0))
        guard status == LDNS_STATUS_OK, let packet else {
            let text = ldns_get_errorstr_by_id(status).map { String(cString: $0) } ?? "no answer"
            throw ResolverError(description: "\(address) did not answer \(name) \(type): \(text.lowercased())")
        }
        defer { ldns_pkt_free(packet) }
        return DNSResponse(packet: packet, authenticated: ldns_pkt_ad(packet) != 0)
    }
}

extension DNSResponse {
    /// The response code and answer section of an ldns packet, in presentation form.
    init(packet: UnsafeMutablePointer<ldns_pkt>, authenticated: Bool) {
        let rcode = Int(ldns_pkt_get_rcode(packet).rawValue)
        let code: Code = switch rcode {
        case 0: .noError
        case 2: .servFail
        case 3: .nxDomain
        case 5: .refused
        default: .other(rcode)
        }
        var records: [DNSRecord] = []
        if let list = ldns_pkt_answer(packet) {
            for i in 0..<ldns_rr_list_rr_count(list) {
                let rr = ldns_rr_list_rr(list, i)!
                records.append(DNSRecord(
                    owner: takeString(ldns_rdf2str(ldns_rr_owner(rr))).lowercased(),
                    type: takeString(ldns_rr_type2str(ldns_rr_get_type(rr))),
                    ttl: ldns_rr_ttl(rr),
                    fields: (0..<ldns_rr_rd_count(rr)).map { takeString(ldns_rdf2str(ldns_rr_rdf(rr, $0))) }))
            }
        }
        self.init(code: code, authenticated: authenticated, answer: records)
    }
}
