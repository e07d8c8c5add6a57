internal import CLDNS
import DaneModel
import FoundationEssentials
import Glibc

/// Sends one RFC 2136 UPDATE over TCP, signed with TSIG (RFC 8945), and reads the server's
/// verdict. The answer's TSIG is verified against the request's MAC: an unsigned or badly
/// signed "NOERROR" is treated as a failure, never as success (anyone on the path could
/// forge one).
public struct UpdateSender: Sendable {
    public let server: String
    public let timeout: TimeInterval

    public init(server: String, timeout: TimeInterval) {
        self.server = server
        self.timeout = timeout
    }

    public typealias Answer = UpdateAnswer

    public func send(_ message: UpdateMessage, key: TSIGKey) throws(ResolverError) -> Answer {
        let prerequisites = try Self.list(message.prerequisites)
        defer { ldns_rr_list_deep_free(prerequisites) }
        let updates = try Self.list(message.updates)
        defer { ldns_rr_list_deep_free(updates) }
        // The packet owns the zone name from here on.
        guard let zone = ldns_dname_new_frm_str(message.zone.fqdn),
            let packet = ldns_update_pkt_new(zone, LDNS_RR_CLASS_IN, prerequisites, updates, nil)
        else {
            throw ResolverError(description: "cannot build an UPDATE for \(message.zone)")
        }
        defer { ldns_pkt_free(packet) }
        ldns_pkt_set_random_id(packet)
        let keyName = key.name.fqdn, algorithm = key.algorithm + "."
        let signed = ldns_pkt_tsig_sign(packet, keyName, key.secret, 300, algorithm, nil)
        guard signed == LDNS_STATUS_OK, let tsig = ldns_pkt_tsig(packet), let requestMAC = ldns_rr_rdf(tsig, 3) else {
            throw ResolverError(description: "cannot sign the UPDATE with TSIG key \(key.name) (\(key.algorithm))")
        }
        var wire: UnsafeMutablePointer<UInt8>?
        var wireSize = 0
        guard ldns_pkt2wire(&wire, packet, &wireSize) == LDNS_STATUS_OK, let wire else {
            throw ResolverError(description: "cannot encode the UPDATE for \(message.zone)")
        }
        defer { free(wire) }
        let replyBytes = try exchange(Array(UnsafeBufferPointer(start: wire, count: wireSize)))
        var reply: UnsafeMutablePointer<ldns_pkt>?
        guard ldns_wire2pkt(&reply, replyBytes, replyBytes.count) == LDNS_STATUS_OK, let reply else {
            throw ResolverError(description: "\(server) answered the UPDATE with a malformed message")
        }
        defer { ldns_pkt_free(reply) }
        guard ldns_pkt_id(reply) == ldns_pkt_id(packet), ldns_pkt_qr(reply) != 0 else {
            throw ResolverError(
                description: "\(server) answered with a message that is not the answer to this UPDATE (ID mismatch)")
        }
        let rcode = Int(ldns_pkt_get_rcode(reply).rawValue)
        guard let replyTSIG = ldns_pkt_tsig(reply) else {
            return Answer(rcode: rcode, tsigError: nil, signatureVerified: false)
        }
        let errorField = ldns_rr_rdf(replyTSIG, 5).map { Int(ldns_rdf2native_int16($0)) }
        var bytes = replyBytes
        let verified = ldns_pkt_tsig_verify(reply, &bytes, bytes.count, keyName, key.secret, requestMAC)
        return Answer(rcode: rcode, tsigError: errorField, signatureVerified: verified != 0)
    }

    /// One TCP exchange (two-byte length prefix, RFC 1035 §4.2.2) within `timeout`.
    private func exchange(_ query: [UInt8]) throws(ResolverError) -> [UInt8] {
        let (host, port) = StubResolver.split(server)
        guard let address = ldns_rdf_new_frm_str(host.contains(":") ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, host) else {
            throw ResolverError(description: "\"\(server)\" is not an IP address[:port]")
        }
        defer { ldns_rdf_deep_free(address) }
        var socketSize = 0
        guard let socketAddress = ldns_rdf2native_sockaddr_storage(address, port, &socketSize) else {
            throw ResolverError(description: "\"\(server)\" is not an IP address[:port]")
        }
        defer { free(socketAddress) }
        guard let buffer = ldns_buffer_new(query.count) else { throw ResolverError(description: "out of memory") }
        defer { ldns_buffer_free(buffer) }
        // ldns sends the bytes up to the buffer position (not a flipped buffer).
        query.withUnsafeBytes { ldns_buffer_write(buffer, $0.baseAddress, $0.count) }
        let seconds = Int(timeout)
        var answer: UnsafeMutablePointer<UInt8>?
        var answerSize = 0
        let status = ldns_tcp_send(
            &answer, buffer, socketAddress, socklen_t(socketSize),
            timeval(tv_sec: seconds, tv_usec: Int((timeout - Double(seconds)) * 1_000_000)), &answerSize)
        guard status == LDNS_STATUS_OK, let answer else {
            let text = ldns_get_errorstr_by_id(status).map { String(cString: $0) } ?? "no answer"
            throw ResolverError(
                description: "\(server) did not answer the UPDATE within \(seconds) s over TCP: \(text.lowercased())")
        }
        defer { free(answer) }
        return Array(UnsafeBufferPointer(start: answer, count: answerSize))
    }

    /// The ldns list for a section; RDATA goes through ldns's own presentation parser.
    private static func list(
        _ entries: [UpdateMessage.Entry]
    ) throws(ResolverError) -> UnsafeMutablePointer<ldns_rr_list> {
        guard let list = ldns_rr_list_new() else { throw ResolverError(description: "out of memory") }
        for entry in entries {
            let rr: UnsafeMutablePointer<ldns_rr>
            if let data = entry.data {
                var made: UnsafeMutablePointer<ldns_rr>?
                let text = "\(entry.owner.fqdn) \(entry.ttl) IN \(entry.type) \(data.presentation)"
                guard ldns_rr_new_frm_str(&made, text, 0, nil, nil) == LDNS_STATUS_OK, let made else {
                    ldns_rr_list_deep_free(list)
                    throw ResolverError(description: "cannot encode \(text)")
                }
                rr = made
            } else {
                guard let made = ldns_rr_new(), let owner = ldns_dname_new_frm_str(entry.owner.fqdn) else {
                    ldns_rr_list_deep_free(list)
                    throw ResolverError(description: "cannot encode \(entry.owner)")
                }
                ldns_rr_set_owner(made, owner)
                ldns_rr_set_type(made, ldns_rr_type(rawValue: UInt32(entry.type.rawValue)))
                rr = made
            }
            ldns_rr_set_ttl(rr, entry.ttl)
            let recordClass: ldns_rr_class =
                switch entry.recordClass {
                case .in: LDNS_RR_CLASS_IN
                case .none: LDNS_RR_CLASS_NONE
                case .any: LDNS_RR_CLASS_ANY
                }
            ldns_rr_set_class(rr, recordClass)
            _ = ldns_rr_list_push_rr(list, rr)
        }
        return list
    }
}
