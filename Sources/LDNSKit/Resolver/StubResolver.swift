internal import CLDNS
import DaneModel
import FoundationEssentials
import Glibc
import ThreadKit

/// Asks one recursive resolver, with DNSSEC OK set, the way a DANE sender's stub resolver
/// does: it trusts the resolver's AD bit (so the resolver must validate).
/// Unchecked Sendable: every use of the ldns resolver takes `lock` (SecureLookup keeps a pool,
/// one resolver per concurrent query, so the lock is never contended there).
public final class StubResolver: @unchecked Sendable {
    private let resolver: UnsafeMutablePointer<ldns_resolver>
    private let lock = Lock()
    public let address: String
    private let recursive: Bool

    /// `address` is `IP` or `IP:PORT` (`[IPv6]:PORT`); nil reads /etc/resolv.conf.
    /// `recursive: false` asks an authoritative server directly (RD clear).
    public init(address: String?, timeout: TimeInterval = 5, recursive: Bool = true) throws(ResolverError) {
        (resolver, self.address) = try Self.make(address: address, timeout: timeout)
        self.recursive = recursive
        ldns_resolver_set_recursive(resolver, recursive ? 1 : 0)
    }

    /// An ldns resolver asking `address` (or /etc/resolv.conf's servers) with DNSSEC OK set;
    /// shared with AnchoredValidator. Also returns how to name the server in messages.
    static func make(
        address: String?, timeout: TimeInterval
    ) throws(ResolverError) -> (UnsafeMutablePointer<ldns_resolver>, String) {
        var made: UnsafeMutablePointer<ldns_resolver>?
        let label: String
        if let address {
            let (host, port) = split(address)
            made = ldns_resolver_new()
            let rdf = ldns_rdf_new_frm_str(host.contains(":") ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, host)
            guard let made, let rdf else {
                throw ResolverError(description: "\"\(address)\" is not an IP address[:port]")
            }
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
        ldns_resolver_set_timeout(
            resolver, timeval(tv_sec: seconds, tv_usec: Int((timeout - Double(seconds)) * 1_000_000)))
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
    public func query(
        _ name: DNSName, _ type: RRType, checkingDisabled: Bool = false
    ) throws(ResolverError) -> DNSResponse {
        lock.lock()
        defer { lock.unlock() }
        guard let owner = ldns_dname_new_frm_str(name.fqdn) else {
            throw ResolverError(description: "\"\(name)\" is not a domain name")
        }
        defer { ldns_rdf_deep_free(owner) }
        let rrType = ldns_rr_type(rawValue: UInt32(type.rawValue))
        ldns_resolver_set_dnssec_cd(resolver, checkingDisabled ? 1 : 0)
        let packet: UnsafeMutablePointer<ldns_pkt>
        switch MatchedExchange.ask(
            resolver, owner, rrType, flags: (recursive ? UInt16(LDNS_RD) : 0) | (checkingDisabled ? UInt16(LDNS_CD) : 0)
        ) {
        case .success(let answer): packet = answer
        case .failure(.notSent(let status)):
            let text = ldns_get_errorstr_by_id(status).map { String(cString: $0) } ?? "no answer"
            throw ResolverError(description: "\(address) did not answer \(name) \(type): \(text.lowercased())")
        case .failure(.mismatched(let why)):
            throw ResolverError(
                description: "\(address) answered \(name) \(type) with something else (\(why)): not using it")
        }
        defer { ldns_pkt_free(packet) }
        return DNSResponse(packet: packet, authenticated: ldns_pkt_ad(packet) != 0)
    }
}

extension DNSResponse {
    /// The response code and answer section of an ldns packet, in presentation form.
    init(packet: UnsafeMutablePointer<ldns_pkt>, authenticated: Bool) {
        let rcode = Int(ldns_pkt_get_rcode(packet).rawValue)
        let code: Code =
            switch rcode {
            case 0: .noError
            case 2: .servFail
            case 3: .nxDomain
            case 5: .refused
            default: .other(rcode)
            }
        // One wire buffer for every record of the answer (a provider's run reads hundreds of
        // thousands of answers; a buffer per record was a malloc and free each).
        let buffer = ldns_buffer_new(512)
        defer { if let buffer { ldns_buffer_free(buffer) } }
        func records(_ list: UnsafeMutablePointer<ldns_rr_list>?) -> [DNSRecord] {
            guard let list else { return [] }
            return (0..<ldns_rr_list_rr_count(list)).compactMap { index in
                ldns_rr_list_rr(list, index).map { DNSRecord($0, buffer: buffer) }
            }
        }
        self.init(code: code, authenticated: authenticated, answer: records(ldns_pkt_answer(packet)))
        authority = records(ldns_pkt_authority(packet))
        additional = records(ldns_pkt_additional(packet))
        authoritative = ldns_pkt_aa(packet) != 0
        recursionAvailable = ldns_pkt_ra(packet) != 0
    }
}

extension DNSRecord {
    /// Owner, type and TTL from ldns; the RDATA as uncompressed wire bytes, decoded by the
    /// model (so a short or empty RDATA becomes a malformed value instead of a crash).
    init(_ rr: UnsafeMutablePointer<ldns_rr>, buffer shared: UnsafeMutablePointer<ldns_buffer>? = nil) {
        let owner = ldns_rr_owner(rr)
        var labels: [String] = []
        if let owner, let data = ldns_rdf_data(owner) {
            let bytes = Array(UnsafeBufferPointer(start: data, count: ldns_rdf_size(owner)))
            var offset = 0
            while offset < bytes.count, bytes[offset] != 0, offset + 1 + Int(bytes[offset]) <= bytes.count {
                let length = Int(bytes[offset])
                labels.append(DNSName.presentation(label: Array(bytes[offset + 1..<offset + 1 + length])))
                offset += 1 + length
            }
        }
        var wire: [UInt8] = []
        if let buffer = shared ?? ldns_buffer_new(512) {
            defer { if shared == nil { ldns_buffer_free(buffer) } }
            ldns_buffer_clear(buffer)
            if ldns_rr_rdata2buffer_wire(buffer, rr) == LDNS_STATUS_OK, let start = ldns_buffer_begin(buffer) {
                wire = Array(UnsafeBufferPointer(start: start, count: ldns_buffer_position(buffer)))
            }
        }
        let type = RRType(rawValue: UInt16(ldns_rr_get_type(rr).rawValue))
        self.init(
            owner: DNSName(wireLabels: labels), type: type, ttl: ldns_rr_ttl(rr),
            data: RecordData(type: type, wire: wire))
    }
}
