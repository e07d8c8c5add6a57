import DaneModel
import OpenSSLKit

/// Makes the RRSIGs of one RRset for one thread: the signed data is the RRSIG rdata without
/// its signature, then each record in canonical form and order with the original TTL
/// (RFC 4034 §3.1.8.1, §6.2, §6.3). Callers give the records already sorted and canonical.
final class RRSIGMaker {
    private let signers: ThreadSigners
    private let signerWire: [UInt8]
    private let signerText: [UInt8]
    private let inception: UInt32
    private let typeNames: [UInt16: [UInt8]]
    private var ownerWire: [UInt8] = []
    private var body: [UInt8] = []
    private var data: [UInt8] = []
    private var signature: [UInt8] = []
    private var text: [UInt8] = []
    /// Signatures to keep when they still verify (re-signing); with the window they must
    /// still be valid in.
    private let old: OldSignatures?
    private let now: UInt32
    private let keepUntil: UInt32
    /// Whether each RRSIG's text ends with its seal (`SignatureSeals.marker`): whole zones,
    /// so that the next re-sign can keep it without verifying it.
    private let sealing: Bool
    private var seal: SignatureSeal.Mark?
    /// How many old signatures were kept, and how many of those on the strength of their seal.
    private(set) var kept = 0
    private(set) var keptBySeal = 0

    /// `signer` is the zone's name key.
    init(
        signers: ThreadSigners, signer: [UInt8], inception: UInt32, typeNames: [UInt16: [UInt8]],
        old: OldSignatures? = nil, now: UInt32 = 0, keepUntil: UInt32 = 0, sealing: Bool = false
    ) {
        self.signers = signers
        self.old = old
        self.sealing = sealing
        self.now = now
        self.keepUntil = keepUntil
        signerWire = signer.withUnsafeBufferPointer(NameKey.wire)
        var text: [UInt8] = []
        signer.withUnsafeBufferPointer { NameKey.appendText($0, to: &text) }
        signerText = text
        self.inception = inception
        self.typeNames = typeNames
    }

    /// Begins an RRset owned by `ownerWire` (canonical wire format).
    func start(ownerWire: [UInt8]) {
        self.ownerWire = ownerWire
        body.removeAll(keepingCapacity: true)
    }

    /// Adds one record (canonical rdata), in canonical order.
    func add(_ rdata: UnsafeBufferPointer<UInt8>, type: UInt16, rrclass: UInt16, ttl: UInt32) {
        body += ownerWire
        Self.appendU16(type, to: &body)
        Self.appendU16(rrclass, to: &body)
        Self.appendU32(ttl, to: &body)
        Self.appendU16(UInt16(rdata.count), to: &body)
        body.append(contentsOf: rdata)
    }

    /// Signs the RRset with every key that signs `type`, handing each RRSIG's rdata as text to
    /// `emit`; false if a signature could not be made.
    func sign(type: UInt16, labels: UInt8, ttl: UInt32, expiration: UInt32, emit: ([UInt8]) -> Void) -> Bool {
        for signer in signers.signers(forType: type) {
            var expiration = expiration, inception = inception
            if let kept = keep(type: type, labels: labels, ttl: ttl, signer: signer) {
                (expiration, inception) = kept
            } else {
                data.removeAll(keepingCapacity: true)
                Self.appendU16(type, to: &data)
                data.append(signer.algorithm)
                data.append(labels)
                Self.appendU32(ttl, to: &data)
                Self.appendU32(expiration, to: &data)
                Self.appendU32(inception, to: &data)
                Self.appendU16(signer.keyTag, to: &data)
                data += signerWire
                data += body
                signature.removeAll(keepingCapacity: true)
                guard data.withUnsafeBufferPointer({ signer.sign($0, appendingTo: &signature) }) else { return false }
                if sealing { seal = seal(by: signer) }
            }
            text.removeAll(keepingCapacity: true)
            text += typeNames[type] ?? Array("TYPE\(type)".utf8)
            text.append(0x20)
            PresentationText.appendDecimal(signer.algorithm, to: &text)
            text.append(0x20)
            PresentationText.appendDecimal(labels, to: &text)
            text.append(0x20)
            PresentationText.appendDecimal(ttl, to: &text)
            text.append(0x20)
            PresentationText.appendTimestamp(expiration, to: &text)
            text.append(0x20)
            PresentationText.appendTimestamp(inception, to: &text)
            text.append(0x20)
            PresentationText.appendDecimal(signer.keyTag, to: &text)
            text.append(0x20)
            text += signerText
            text.append(0x20)
            signature.withUnsafeBufferPointer { PresentationText.appendBase64($0, to: &text) }
            if sealing, let seal { SignatureSeals.append(seal, to: &text) }
            emit(text)
        }
        return true
    }

    /// The old signature by `signer` over this RRset, when it may stay: same labels and
    /// original TTL, valid now and past the refresh window, and proven over the RRset as it is
    /// now: by its seal when danectl made it (one keyed hash), else by verifying it (changed
    /// data, a changed TTL or a tampered signature all fail either way). Leaves the signature
    /// in `signature` (and its seal in `seal`); returns its expiration and inception.
    private func keep(type: UInt16, labels: UInt8, ttl: UInt32, signer: RawSigner) -> (UInt32, UInt32)? {
        guard let old, type != RRType.soa.rawValue,
            let found = old.find(ownerWire: ownerWire, type: type, algorithm: signer.algorithm, keyTag: signer.keyTag),
            found.labels == labels, found.originalTTL == ttl,
            found.inception <= now, found.expiration >= keepUntil, found.expiration > found.inception
        else { return nil }
        data.removeAll(keepingCapacity: true)
        data.append(contentsOf: found.fixed)
        data += signerWire
        data += body
        let mark = data.withUnsafeBufferPointer { signer.seal($0, signature: found.signature) }
        if let mark, old.sealed(mark, of: found) {
            keptBySeal += 1
        } else {
            guard data.withUnsafeBufferPointer({ signer.verify($0, signature: found.signature) }) else { return nil }
        }
        seal = mark
        signature.removeAll(keepingCapacity: true)
        signature.append(contentsOf: found.signature)
        kept += 1
        return (found.expiration, found.inception)
    }

    /// The seal of the signature just made (in `signature`) over `data`.
    private func seal(by signer: RawSigner) -> SignatureSeal.Mark? {
        data.withUnsafeBufferPointer { signed in
            signature.withUnsafeBufferPointer { signer.seal(signed, signature: $0) }
        }
    }

    static func appendU16(_ value: UInt16, to out: inout [UInt8]) {
        out.append(UInt8(value >> 8))
        out.append(UInt8(value & 0xFF))
    }

    static func appendU32(_ value: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(value >> 24))
        out.append(UInt8((value >> 16) & 0xFF))
        out.append(UInt8((value >> 8) & 0xFF))
        out.append(UInt8(value & 0xFF))
    }
}
