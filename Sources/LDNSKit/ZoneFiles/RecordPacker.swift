internal import CLDNS

/// Turns ldns records into `PackedRecord`s: the rdata printed as text first (common field
/// types here, the rest by ldns), then the record made canonical (RFC 4034 §6.2, which
/// ldns_rr2canonical applies) and written as wire data.
final class RecordPacker {
    private let textBuffer = ldns_buffer_new(4096)!
    private let wireBuffer = ldns_buffer_new(4096)!
    private var text: [UInt8] = []
    private var key: [UInt8] = []

    deinit {
        ldns_buffer_free(textBuffer)
        ldns_buffer_free(wireBuffer)
    }

    /// Packs `rr` (which is made canonical in place). `withText: false` leaves the
    /// presentation text out, for records only read as wire data (the old RRSIGs a re-sign
    /// may keep: their text was two thirds of what they took in memory).
    func pack(_ rr: RRPointer, into arena: ByteArena, withText: Bool = true) {
        text.removeAll(keepingCapacity: true)
        for i in 0..<ldns_rr_rd_count(rr) where withText {
            if i > 0 { text.append(UInt8(ascii: " ")) }
            appendText(of: ldns_rr_rdf(rr, i))
        }
        // ldns ends some fields (an empty NSEC3 salt) with a space.
        while text.last == 0x20 { text.removeLast() }
        ldns_rr2canonical(rr)
        ldns_buffer_clear(wireBuffer)
        _ = ldns_rr_rdata2buffer_wire(wireBuffer, rr)
        // Empty RDATA (TYPE65534, NULL, an empty APL) prints as RFC 3597's `\# 0`: printed as
        // nothing, BIND and NSD could not load the line.
        if withText && ldns_buffer_position(wireBuffer) == 0 { text = Array("\\# 0".utf8) }
        key.removeAll(keepingCapacity: true)
        let owner = ldns_rr_owner(rr)
        NameKey.append(wire: UnsafeBufferPointer(start: ldns_rdf_data(owner), count: ldns_rdf_size(owner)), to: &key)
        key.withUnsafeBufferPointer { key in
            text.withUnsafeBufferPointer { text in
                PackedRecord.append(
                    key: key, type: UInt16(ldns_rr_get_type(rr).rawValue),
                    rrclass: UInt16(ldns_rr_get_class(rr).rawValue),
                    ttl: ldns_rr_ttl(rr),
                    rdata: UnsafeBufferPointer(
                        start: ldns_buffer_begin(wireBuffer), count: ldns_buffer_position(wireBuffer)),
                    text: text, to: arena)
            }
        }
    }

    /// Adds an RRSIG ldns parsed to `signatures` when `zoneWire` (if known) made it.
    func keepSignature(_ rr: RRPointer, in signatures: OldSignatureList, zoneWire: [UInt8]?) {
        scratch.removeAll()
        pack(rr, into: scratch, withText: false)
        let record = PackedRecord(at: scratch.base)
        key.removeAll(keepingCapacity: true)
        NameKey.appendWire(record.key, to: &key)
        let signer = zoneWire ?? signerWire(of: record.rdata)
        guard record.rdata.count > 18 + signer.count,
            record.rdata[18..<18 + signer.count].elementsEqual(signer)
        else { return }
        key.withUnsafeBufferPointer { signatures.add(ownerWire: $0, rdata: record.rdata, signerLength: signer.count) }
    }

    /// The signer's name in canonical RRSIG rdata (after the 18 fixed bytes).
    private func signerWire(of rdata: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var at = 18
        while at < rdata.count, rdata[at] != 0 { at += 1 + Int(rdata[at]) }
        return at < rdata.count ? Array(rdata[18...at]) : []
    }

    private let scratch = ByteArena(capacity: 1 << 10)

    /// One field in presentation format: names (case kept), numbers, addresses, strings, hex
    /// and base64 written here; anything else as ldns prints it.
    private func appendText(of rdf: UnsafeMutablePointer<ldns_rdf>?) {
        guard let rdf, let data = ldns_rdf_data(rdf) else { return }
        let bytes = UnsafeBufferPointer(start: data, count: ldns_rdf_size(rdf))
        switch ldns_rdf_get_type(rdf) {
        case LDNS_RDF_TYPE_DNAME:
            PresentationText.appendName(wire: bytes, to: &text)
        case LDNS_RDF_TYPE_INT8 where bytes.count == 1:
            PresentationText.appendDecimal(bytes[0], to: &text)
        case LDNS_RDF_TYPE_INT16 where bytes.count == 2:
            PresentationText.appendDecimal(readU16(data), to: &text)
        case LDNS_RDF_TYPE_INT32 where bytes.count == 4:
            PresentationText.appendDecimal(readU32(data), to: &text)
        case LDNS_RDF_TYPE_A where bytes.count == 4:
            for i in 0..<4 {
                if i > 0 { text.append(UInt8(ascii: ".")) }
                PresentationText.appendDecimal(bytes[i], to: &text)
            }
        case LDNS_RDF_TYPE_STR where bytes.count >= 1 && Int(bytes[0]) == bytes.count - 1:
            PresentationText.appendCharacterString(UnsafeBufferPointer(rebasing: bytes[1...]), to: &text)
        case LDNS_RDF_TYPE_HEX where bytes.count > 0:
            PresentationText.appendHex(bytes, to: &text)
        case LDNS_RDF_TYPE_B64 where bytes.count > 0:
            PresentationText.appendBase64(bytes, to: &text)
        default:
            ldns_buffer_clear(textBuffer)
            _ = ldns_rdf2buffer_str(textBuffer, rdf)
            text.append(
                contentsOf: UnsafeBufferPointer(
                    start: ldns_buffer_begin(textBuffer), count: ldns_buffer_position(textBuffer)))
        }
    }
}
