import DaneModel
import FoundationEssentials

/// One signing thread's work on a run of names: prints each name's records, has its RRsets
/// signed, adds its NSEC or NSEC3 record and that record's signature, all as zone-file text.
final class BlockSigner {
    private let layout: ZoneLayout
    private let options: SigningOptions
    private let typeNames: [UInt16: [UInt8]]
    private let signerWire: [UInt8]
    /// `.` + the zone's name, for NSEC3 owners (empty suffix for the root).
    private let apexSuffix: [UInt8]
    private let apexLabels: Int
    private let maker: RRSIGMaker
    private static let rrsigColumns = Array("\tIN\tRRSIG\t".utf8)

    // Scratch space reused across names.
    private var ownerWire: [UInt8] = []
    private var ownerText: [UInt8] = []
    private var types: [UInt16] = []
    private var denialRdata: [UInt8] = []
    private var denialText: [UInt8] = []

    /// Old signatures this thread kept instead of making new ones, and of those how many
    /// were proven by their seal rather than verified.
    var kept: Int { maker.kept }
    var keptBySeal: Int { maker.keptBySeal }

    init(
        layout: ZoneLayout, signers: ThreadSigners, options: SigningOptions, typeNames: [UInt16: [UInt8]],
        old: OldSignatures? = nil
    ) {
        self.layout = layout
        self.options = options
        self.typeNames = typeNames
        maker = RRSIGMaker(
            signers: signers, signer: layout.apexKey, inception: options.inceptionTime, typeNames: typeNames,
            old: old, now: options.nowTime, keepUntil: options.keepUntil, sealing: true)
        signerWire = layout.apexKey.withUnsafeBufferPointer(NameKey.wire)
        var text: [UInt8] = []
        layout.apexKey.withUnsafeBufferPointer { NameKey.appendText($0, to: &text) }
        apexSuffix = layout.apexKey.isEmpty ? [UInt8(ascii: ".")] : [UInt8(ascii: ".")] + text
        apexLabels = layout.apexKey.withUnsafeBufferPointer(NameKey.labelCount)
    }

    /// Appends the text of names `range` to `out`; false if a signature could not be made.
    func emit(names range: Range<Int>, to out: inout [UInt8]) -> Bool {
        let names = layout.names, rrsets = layout.rrsets
        for index in range {
            let name = names[index]
            let key = layout.key(of: name)
            ownerText.removeAll(keepingCapacity: true)
            NameKey.appendText(key, to: &ownerText)
            ownerWire.removeAll(keepingCapacity: true)
            NameKey.appendWire(key, to: &ownerWire)
            let labels = UInt8(NameKey.labelCount(key) - (NameKey.isWildcard(key) ? 1 : 0))
            let sets = Int(name.firstRRset)..<Int(name.firstRRset + name.rrsetCount)
            // The apex (always the first name) prints its SOA first, then the rest in type order.
            let soa = index == 0 ? sets.first { rrsets[$0].type == RRType.soa.rawValue } : nil
            if let soa, !emitRRset(soa, rrsets[soa], labels: labels, to: &out) { return false }
            for setIndex in sets where setIndex != soa {
                guard emitRRset(setIndex, rrsets[setIndex], labels: labels, to: &out) else { return false }
            }
            if name.denial >= 0, !appendDenial(for: name, index: index, labels: labels, to: &out) { return false }
        }
        return true
    }

    private func emitRRset(_ setIndex: Int, _ set: ZoneLayout.RRset, labels: UInt8, to out: inout [UInt8]) -> Bool {
        let first = layout.record(Int(set.first))
        let typeName = typeNames[set.type] ?? Array("TYPE\(set.type)".utf8)
        if set.signed { maker.start(ownerWire: ownerWire) }
        for r in Int(set.first)..<Int(set.first + set.count) {
            let record = layout.record(r)
            appendLine(
                owner: ownerText, ttl: first.ttl, rrclass: record.rrclass, typeName: typeName, rdataText: record.text,
                to: &out)
            if set.signed { maker.add(record.rdata, type: set.type, rrclass: first.rrclass, ttl: first.ttl) }
        }
        guard set.signed else { return true }
        return sign(type: set.type, labels: labels, ttl: first.ttl, jitterIndex: setIndex, owner: ownerText, to: &out)
    }

    private func appendDenial(for name: ZoneLayout.Name, index: Int, labels: UInt8, to out: inout [UInt8]) -> Bool {
        layout.deniedTypes(of: name, into: &types)
        denialRdata.removeAll(keepingCapacity: true)
        denialText.removeAll(keepingCapacity: true)
        let type: UInt16
        var ownerLabels = labels
        switch layout.denial {
        case .nsec:
            type = RRType.nsec.rawValue
            let next = layout.key(of: layout.names[Int(name.denial)])
            NameKey.appendWire(next, to: &denialRdata)
            NameKey.appendText(next, to: &denialText)
        case .nsec3(let optOut):
            type = RRType.nsec3.rawValue
            let slot = Int(name.denial), next = Int(layout.nextSlot[slot])
            denialRdata += optOut ? Self.optOutWire : Self.plainWire
            denialText += optOut ? Self.optOutPrefix : Self.plainPrefix
            layout.hashes.withUnsafeBufferPointer { hashes in
                let nextHash = UnsafeBufferPointer(rebasing: hashes[next * 20..<next * 20 + 20])
                denialRdata.append(contentsOf: nextHash)
                PresentationText.appendBase32Hex(nextHash, to: &denialText)
                // The record lives at the hashed name, one label below the apex.
                ownerText.removeAll(keepingCapacity: true)
                PresentationText.appendBase32Hex(
                    UnsafeBufferPointer(rebasing: hashes[slot * 20..<slot * 20 + 20]), to: &ownerText)
            }
            ownerWire.removeAll(keepingCapacity: true)
            ownerWire.append(UInt8(ownerText.count))
            ownerWire += ownerText
            ownerWire += signerWire
            ownerText += apexSuffix
            ownerLabels = UInt8(apexLabels + 1)
        }
        appendTypeBitmap(types, to: &denialRdata)
        for t in types {
            denialText.append(UInt8(ascii: " "))
            denialText += typeNames[t] ?? Array("TYPE\(t)".utf8)
        }
        let typeName = typeNames[type] ?? []
        denialText.withUnsafeBufferPointer {
            appendLine(owner: ownerText, ttl: layout.denialTTL, rrclass: 1, typeName: typeName, rdataText: $0, to: &out)
        }
        maker.start(ownerWire: ownerWire)
        denialRdata.withUnsafeBufferPointer { maker.add($0, type: type, rrclass: 1, ttl: layout.denialTTL) }
        return sign(
            type: type, labels: ownerLabels, ttl: layout.denialTTL, jitterIndex: layout.rrsets.count + index,
            owner: ownerText, to: &out)
    }

    // NSEC3 fields before the next hashed owner (RFC 9276's parameters), then its length, 20.
    private static let plainPrefix = Array(NSEC3Parameters.rfc9276.recordPrefix(optOut: false).utf8)
    private static let optOutPrefix = Array(NSEC3Parameters.rfc9276.recordPrefix(optOut: true).utf8)
    private static let plainWire = NSEC3Parameters.rfc9276.wirePrefix(optOut: false) + [20]
    private static let optOutWire = NSEC3Parameters.rfc9276.wirePrefix(optOut: true) + [20]

    /// NSEC/NSEC3 type bitmap: per 256-type window, its number, length and bits (RFC 4034 §4.1.2).
    private func appendTypeBitmap(_ types: [UInt16], to out: inout [UInt8]) {
        var i = 0
        while i < types.count {
            let window = types[i] >> 8
            let start = out.count
            out.append(UInt8(window))
            out.append(0)
            while i < types.count, types[i] >> 8 == window {
                let low = Int(types[i] & 0xFF)
                while out.count < start + 2 + low / 8 + 1 { out.append(0) }
                out[start + 2 + low / 8] |= 0x80 >> UInt8(low % 8)
                i += 1
            }
            out[start + 1] = UInt8(out.count - start - 2)
        }
    }

    /// Signs the RRset given to `maker` with each key for `type` and appends the RRSIG lines.
    private func sign(
        type: UInt16, labels: UInt8, ttl: UInt32, jitterIndex: Int, owner: [UInt8], to out: inout [UInt8]
    ) -> Bool {
        maker.sign(type: type, labels: labels, ttl: ttl, expiration: options.expiration(for: jitterIndex)) {
            rdataText in
            out += owner
            out.append(0x09)
            PresentationText.appendDecimal(ttl, to: &out)
            out += Self.rrsigColumns
            out += rdataText
            out.append(0x0A)
        }
    }

    private func appendLine(
        owner: [UInt8], ttl: UInt32, rrclass: UInt16, typeName: [UInt8], rdataText: UnsafeBufferPointer<UInt8>,
        to out: inout [UInt8]
    ) {
        out += owner
        out.append(0x09)
        PresentationText.appendDecimal(ttl, to: &out)
        out.append(0x09)
        if rrclass == 1 {
            out += [UInt8(ascii: "I"), UInt8(ascii: "N")]
        } else {
            out += PresentationText.className(rrclass)
        }
        out.append(0x09)
        out += typeName
        out.append(0x09)
        out.append(contentsOf: rdataText)
        out.append(0x0A)
    }
}
