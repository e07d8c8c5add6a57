import Foundation
internal import CLDNS

/// A zone file parsed by ldns: its SOA and its other records, owned here.
public final class ZoneFile {
    let zone: UnsafeMutablePointer<ldns_zone>

    /// The zone's name (the SOA owner), lower case with the trailing dot.
    public let origin: String

    private init(zone: UnsafeMutablePointer<ldns_zone>, origin: String) {
        self.zone = zone
        self.origin = origin
    }

    deinit { ldns_zone_deep_free(zone) }

    /// Parses a zone file. `origin` is used for relative names when the file has no $ORIGIN.
    public static func parse(path: String, origin: String? = nil) throws(LDNSError) -> ZoneFile {
        guard let file = fopen(path, "r") else {
            throw LDNSError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        let originName = origin.flatMap { ldns_dname_new_frm_str(DNSSECKey.absolute($0)) }
        defer { if let originName { ldns_rdf_deep_free(originName) } }
        var parsed: UnsafeMutablePointer<ldns_zone>?
        var line: Int32 = 0
        let status = ldns_zone_new_frm_fp_l(&parsed, file, originName, 3600, LDNS_RR_CLASS_IN, &line)
        guard status == LDNS_STATUS_OK, let parsed else {
            throw LDNSError.status(status, "\(path):\(line): the zone file does not parse", line: Int(line))
        }
        guard let soa = ldns_zone_soa(parsed) else {
            ldns_zone_deep_free(parsed)
            throw LDNSError("\(path): the zone has no SOA record")
        }
        let name = takeString(ldns_rdf2str(ldns_rr_owner(soa))).lowercased()
        return ZoneFile(zone: parsed, origin: name)
    }

    /// The number of records besides the SOA.
    public var recordCount: Int { ldns_rr_list_rr_count(ldns_zone_rrs(zone)) }

    public var serial: UInt32 {
        get { ldns_rdf2native_int32(ldns_rr_rdf(ldns_zone_soa(zone), 2)) }
        set {
            let old = ldns_rr_set_rdf(ldns_zone_soa(zone), ldns_native2rdf_int32(LDNS_RDF_TYPE_INT32, newValue), 2)
            if let old { ldns_rdf_deep_free(old) }
        }
    }

    /// Replaces every RRset that `records` has (same owner and type) with `records`' version,
    /// and adds the rest, so that re-merging generated records never piles them up.
    public func replaceRRsets(with records: [String]) throws(LDNSError) {
        var incoming: [RRPointer] = []
        for text in records {
            var parsed: RRPointer?
            let status = ldns_rr_new_frm_str(&parsed, text, 3600, ldns_rr_owner(ldns_zone_soa(zone)), nil)
            guard status == LDNS_STATUS_OK, let parsed else {
                incoming.forEach { ldns_rr_free($0) }
                throw LDNSError.status(status, "record \"\(text)\" does not parse")
            }
            guard ldns_dname_is_subdomain(ldns_rr_owner(parsed), ldns_rr_owner(ldns_zone_soa(zone))) != 0
                    || ldns_dname_compare(ldns_rr_owner(parsed), ldns_rr_owner(ldns_zone_soa(zone))) == 0 else {
                incoming.forEach { ldns_rr_free($0) }
                ldns_rr_free(parsed)
                throw LDNSError("record \"\(text)\" is outside zone \(origin)")
            }
            incoming.append(parsed)
        }
        func sameRRset(_ a: RRPointer, _ b: RRPointer) -> Bool {
            ldns_rr_get_type(a) == ldns_rr_get_type(b) && ldns_dname_compare(ldns_rr_owner(a), ldns_rr_owner(b)) == 0
        }
        let list = ldns_zone_rrs(zone)!
        let kept = ldns_rr_list_new()!
        while let rr = ldns_rr_list_pop_rr(list) {
            if incoming.contains(where: { sameRRset($0, rr) }) { ldns_rr_free(rr) } else { ldns_rr_list_push_rr(kept, rr) }
        }
        // pop took them from the end: restore file order, then append the new records.
        while let rr = ldns_rr_list_pop_rr(kept) { ldns_rr_list_push_rr(list, rr) }
        ldns_rr_list_free(kept)
        incoming.forEach { ldns_rr_list_push_rr(list, $0) }
    }

    /// Hands the records to a signer: the SOA and every other record leave this object.
    func takeRecords() -> (soa: RRPointer, records: [RRPointer]) {
        let soa = ldns_rr_clone(ldns_zone_soa(zone))!
        var records: [RRPointer] = []
        let list = ldns_zone_rrs(zone)!
        records.reserveCapacity(ldns_rr_list_rr_count(list))
        while let rr = ldns_rr_list_pop_rr(list) { records.append(rr) }
        records.reverse()
        return (soa, records)
    }
}
