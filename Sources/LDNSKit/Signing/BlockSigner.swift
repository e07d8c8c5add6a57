import Foundation

/// One signing thread's work on a run of names: prints each name's records, has its RRsets
/// signed, adds its NSEC or NSEC3 record and that record's signature, all as zone-file text.
final class BlockSigner {
    private let layout: ZoneLayout
    private let signers: ThreadSigners
    private let options: SigningOptions
    private let typeNames: [UInt16: [UInt8]]
    private let signerWire: [UInt8]
    private let signerText: [UInt8]
    private let apexLabels: Int
    private let maker: RRSIGMaker

    // Scratch space reused across names.
    private var ownerWire: [UInt8] = []
    private var ownerText: [UInt8] = []
    private var denialRdata: [UInt8] = []
    private var denialText: [UInt8] = []

    init(layout: ZoneLayout, signers: ThreadSigners, options: SigningOptions, typeNames: [UInt16: [UInt8]]) {
        self.layout = layout
        self.signers = signers
        self.options = options
        self.typeNames = typeNames
        maker = RRSIGMaker(signers: signers, signer: layout.apexKey, inception: options.inceptionTime, typeNames: typeNames)
        signerWire = layout.apexKey.withUnsafeBufferPointer(NameKey.wire)
        var text: [UInt8] = []
        layout.apexKey.withUnsafeBufferPointer { NameKey.appendText($0, to: &text) }
        signerText = text
        apexLabels = layout.apexKey.withUnsafeBufferPointer(NameKey.labelCount)
    }

    /// Appends the text of names `range` to `out`; false if a signature could not be made.
    func emit(names range: Range<Int>, to out: inout [UInt8]) -> Bool {
        for index in range {
            let name = layout.names[index]
            let key = layout.key(of: name)
            ownerText.removeAll(keepingCapacity: true)
            NameKey.appendText(key, to: &ownerText)
            ownerWire.removeAll(keepingCapacity: true)
            NameKey.appendWire(key, to: &ownerWire)
            let labels = UInt8(NameKey.labelCount(key) - (NameKey.isWildcard(key) ? 1 : 0))
            // The SOA first at the apex, then the rest in type order.
            var sets = Array(Int(name.firstRRset)..<Int(name.firstRRset + name.rrsetCount))
            if let soa = sets.firstIndex(where: { layout.rrsets[$0].type == ZoneLayout.typeSOA }), soa > 0 {
                sets.insert(sets.remove(at: soa), at: 0)
            }
            for setIndex in sets {
                let set = layout.rrsets[setIndex]
                let first = layout.record(Int(set.first))
                for r in Int(set.first)..<Int(set.first + set.count) {
                    let record = layout.record(r)
                    appendLine(owner: ownerText, ttl: first.ttl, rrclass: record.rrclass, type: set.type, rdataText: record.text, to: &out)
                }
                guard set.signed else { continue }
                maker.start(ownerWire: ownerWire)
                for r in Int(set.first)..<Int(set.first + set.count) {
                    appendSignedRecord(layout.record(r).rdata, type: set.type, rrclass: first.rrclass, ttl: first.ttl)
                }
                guard sign(type: set.type, labels: labels, ttl: first.ttl, jitterIndex: setIndex, owner: ownerText, to: &out) else { return false }
            }
            guard name.denial >= 0 else { continue }
            guard appendDenial(for: name, index: index, labels: labels, to: &out) else { return false }
        }
        return true
    }

    private func appendDenial(for name: ZoneLayout.Name, index: Int, labels: UInt8, to out: inout [UInt8]) -> Bool {
        let types = layout.deniedTypes(of: name)
        denialRdata.removeAll(keepingCapacity: true)
        denialText.removeAll(keepingCapacity: true)
        let type: UInt16
        var owner: [UInt8]
        var ownerLabels = labels
        switch layout.denial {
        case .nsec:
            type = ZoneLayout.typeNSEC
            let next = layout.key(of: layout.names[Int(name.denial)])
            NameKey.appendWire(next, to: &denialRdata)
            NameKey.appendText(next, to: &denialText)
            owner = ownerText
        case .nsec3(let optOut):
            type = ZoneLayout.typeNSEC3
            let slot = Int(name.denial), next = Int(layout.nextSlot[slot])
            denialRdata += [1, optOut ? 1 : 0, 0, 0, 0, 20]
            denialRdata += layout.hashes[next * 20..<next * 20 + 20]
            denialText += Array("1 \(optOut ? 1 : 0) 0 - ".utf8)
            layout.hashes.withUnsafeBufferPointer {
                PresentationText.appendBase32Hex(UnsafeBufferPointer(rebasing: $0[next * 20..<next * 20 + 20]), to: &denialText)
            }
            // The record lives at the hashed name, one label below the apex.
            var hashed: [UInt8] = []
            layout.hashes.withUnsafeBufferPointer {
                PresentationText.appendBase32Hex(UnsafeBufferPointer(rebasing: $0[slot * 20..<slot * 20 + 20]), to: &hashed)
            }
            ownerWire = [UInt8(hashed.count)] + hashed + signerWire
            owner = hashed + [UInt8(ascii: ".")] + (layout.apexKey.isEmpty ? [] : signerText)
            ownerLabels = UInt8(apexLabels + 1)
        }
        appendTypeBitmap(types, to: &denialRdata)
        for t in types {
            denialText.append(UInt8(ascii: " "))
            denialText += typeNames[t] ?? Array("TYPE\(t)".utf8)
        }
        denialText.withUnsafeBufferPointer {
            appendLine(owner: owner, ttl: layout.denialTTL, rrclass: 1, type: type, rdataText: $0, to: &out)
        }
        maker.start(ownerWire: ownerWire)
        denialRdata.withUnsafeBufferPointer { appendSignedRecord($0, type: type, rrclass: 1, ttl: layout.denialTTL) }
        return sign(type: type, labels: ownerLabels, ttl: layout.denialTTL, jitterIndex: layout.rrsets.count + index, owner: owner, to: &out)
    }

    /// NSEC/NSEC3 type bitmap: per 256-type window, its number, length and bits (RFC 4034 §4.1.2).
    private func appendTypeBitmap(_ types: [UInt16], to out: inout [UInt8]) {
        var i = 0
        while i < types.count {
            let window = types[i] >> 8
            var bits = [UInt8](repeating: 0, count: 32)
            var length = 0
            while i < types.count, types[i] >> 8 == window {
                let low = Int(types[i] & 0xFF)
                bits[low / 8] |= 0x80 >> UInt8(low % 8)
                length = low / 8 + 1
                i += 1
            }
            out.append(UInt8(window))
            out.append(UInt8(length))
            out += bits[0..<length]
        }
    }

    private func appendSignedRecord(_ rdata: UnsafeBufferPointer<UInt8>, type: UInt16, rrclass: UInt16, ttl: UInt32) {
        maker.add(rdata, type: type, rrclass: rrclass, ttl: ttl)
    }

    /// Signs the RRset given to `maker` with each key for `type` and appends the RRSIG lines.
    private func sign(type: UInt16, labels: UInt8, ttl: UInt32, jitterIndex: Int, owner: [UInt8], to out: inout [UInt8]) -> Bool {
        maker.sign(type: type, labels: labels, ttl: ttl, expiration: options.expiration(for: jitterIndex)) { rdataText in
            out += owner
            out.append(0x09)
            PresentationText.appendDecimal(ttl, to: &out)
            out += Array("\tIN\tRRSIG\t".utf8)
            out += rdataText
            out.append(0x0A)
        }
    }

    private func appendLine(owner: [UInt8], ttl: UInt32, rrclass: UInt16, type: UInt16, rdataText: UnsafeBufferPointer<UInt8>,
                            to out: inout [UInt8]) {
        out += owner
        out.append(0x09)
        PresentationText.appendDecimal(ttl, to: &out)
        out.append(0x09)
        if rrclass == 1 { out += [UInt8(ascii: "I"), UInt8(ascii: "N")] } else { out += PresentationText.className(rrclass) }
        out.append(0x09)
        out += typeNames[type] ?? Array("TYPE\(type)".utf8)
        out.append(0x09)
        out.append(contentsOf: rdataText)
        out.append(0x0A)
    }
}
