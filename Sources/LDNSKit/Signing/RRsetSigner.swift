import Foundation
internal import CLDNS

/// Signs loose RRsets (the records `generate` emits) for inclusion in a zone signed
/// elsewhere: the zone fragment mode.
public enum RRsetSigner {
    /// One RRSIG, split the way `ResourceRecord` needs it.
    public struct Signature: Sendable, Hashable {
        public let owner: String
        public let ttl: UInt32
        public let rdata: String
    }

    /// `records` are presentation lines (`owner ttl IN TYPE rdata`), all in `keys`' zone.
    public static func sign(records: [String], keys: [DNSSECKey], options: SigningOptions) throws(LDNSError) -> [Signature] {
        guard let zone = keys.first?.zone else { throw LDNSError("no signing key given") }
        var parsed: [RRPointer] = []
        defer { parsed.forEach { ldns_rr_free($0) } }
        for text in records {
            var rr: RRPointer?
            let status = ldns_rr_new_frm_str(&rr, text, 3600, nil, nil)
            guard status == LDNS_STATUS_OK, let rr else { throw LDNSError.status(status, "record \"\(text)\" does not parse") }
            parsed.append(rr)
        }
        // Group into RRsets (owner and type), keeping first-seen order.
        var groups: [[RRPointer]] = []
        for rr in parsed {
            if let i = groups.firstIndex(where: {
                ldns_rr_get_type($0[0]) == ldns_rr_get_type(rr) && ldns_dname_compare(ldns_rr_owner($0[0]), ldns_rr_owner(rr)) == 0
            }) {
                groups[i].append(rr)
            } else {
                groups.append([rr])
            }
        }
        guard let signers = ThreadKeys(keys.filter { $0.zone == zone }) else { throw LDNSError("could not load the signing keys") }
        defer { signers.free() }
        let inception = UInt32(clamping: Int64(options.inception.timeIntervalSince1970))
        var out: [Signature] = []
        for (index, group) in groups.enumerated() {
            signers.setWindow(inception: inception, expiration: options.expiration(for: index))
            guard let list = ldns_rr_list_new() else { throw LDNSError("out of memory") }
            defer { ldns_rr_list_free(list) }
            group.forEach { ldns_rr_list_push_rr(list, $0) }
            let keyList = ldns_rr_get_type(group[0]) == LDNS_RR_TYPE_DNSKEY ? signers.forDNSKEY : signers.forZone
            guard let signatures = ldns_sign_public(list, keyList) else { throw LDNSError("signing failed for \(zone)") }
            defer { ldns_rr_list_deep_free(signatures) }
            for i in 0..<ldns_rr_list_rr_count(signatures) {
                let rr = ldns_rr_list_rr(signatures, i)!
                let rdata = (0..<ldns_rr_rd_count(rr)).map { takeString(ldns_rdf2str(ldns_rr_rdf(rr, $0))) }.joined(separator: " ")
                out.append(Signature(owner: takeString(ldns_rdf2str(ldns_rr_owner(rr))), ttl: ldns_rr_ttl(rr), rdata: rdata))
            }
        }
        return out
    }
}
