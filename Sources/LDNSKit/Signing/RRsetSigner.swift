internal import CLDNS
import DaneModel
import FoundationEssentials

/// Signs loose RRsets (the records `generate` emits) for inclusion in a zone signed
/// elsewhere: the zone fragment mode. Same RRSIG maker as whole-zone signing.
public enum RRsetSigner {
    /// One RRSIG, as the value `ResourceRecord` carries.
    public struct Signature: Sendable, Hashable {
        public let owner: DNSName
        public let ttl: UInt32
        public let data: RRSIGData
    }

    /// `records` are presentation lines (`owner ttl IN TYPE rdata`), all in `keys`' zone.
    public static func sign(
        records: [String], keys: [DNSSECKey], options: SigningOptions
    ) throws(LDNSError) -> [Signature] {
        guard let zone = keys.first?.zone else { throw LDNSError("no signing key given") }
        let store = RecordStore()
        let arena = store.adopt(ByteArena())
        let packer = RecordPacker()
        var refs: [UInt64] = []
        for text in records {
            var rr: RRPointer?
            let status = ldns_rr_new_frm_str(&rr, text, 3600, nil, nil)
            guard status == LDNS_STATUS_OK, let rr else {
                throw LDNSError.status(status, "record \"\(text)\" does not parse")
            }
            refs.append(store.append(to: arena) { packer.pack(rr, into: $0) })
            ldns_rr_free(rr)
        }
        let sorted = ZoneLayout.sortCanonically(refs, store: store, threads: 1)
        guard let signers = ThreadSigners(keys.filter { $0.zone == zone }) else {
            throw LDNSError("could not load the signing keys")
        }
        var zoneKey: [UInt8] = []
        guard let zoneName = ldns_dname_new_frm_str(DNSSECKey.absolute(zone)) else {
            throw LDNSError("\"\(zone)\" is not a valid zone name")
        }
        NameKey.append(
            wire: UnsafeBufferPointer(start: ldns_rdf_data(zoneName), count: ldns_rdf_size(zoneName)), to: &zoneKey)
        ldns_rdf_deep_free(zoneName)
        let types = Set(sorted.map { store.record($0).type })
        let maker = RRSIGMaker(
            signers: signers, signer: zoneKey, inception: options.inceptionTime,
            typeNames: PresentationText.typeNames(for: types))
        var out: [Signature] = []
        var i = 0
        var setIndex = 0
        while i < sorted.count {
            let first = store.record(sorted[i])
            maker.start(ownerWire: NameKey.wire(first.key))
            while i < sorted.count {
                let record = store.record(sorted[i])
                guard record.type == first.type, NameKey.compare(record.key, first.key) == 0 else { break }
                maker.add(record.rdata, type: first.type, rrclass: first.rrclass, ttl: first.ttl)
                i += 1
            }
            let labels = UInt8(NameKey.labelCount(first.key) - (NameKey.isWildcard(first.key) ? 1 : 0))
            guard let owner = DNSName(presentation: NameKey.text(first.key)) else {
                throw LDNSError("signing failed for \(zone): bad owner")
            }
            var unreadable = false
            let made = maker.sign(
                type: first.type, labels: labels, ttl: first.ttl, expiration: options.expiration(for: setIndex)
            ) {
                // The maker writes zone-file text for whole zones; read back into a value here.
                guard let data = RRSIGData(presentation: String(decoding: $0, as: UTF8.self)) else {
                    unreadable = true; return
                }
                out.append(Signature(owner: owner, ttl: first.ttl, data: data))
            }
            guard made, !unreadable else { throw LDNSError("signing failed for \(zone)") }
            setIndex += 1
        }
        return out
    }
}
