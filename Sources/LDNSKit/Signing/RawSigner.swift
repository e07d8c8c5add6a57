import FoundationEssentials
import OpenSSLKit

/// One key's signer for one thread: OpenSSLKit's `DNSSECSigner` (which keeps the signing
/// contexts OpenSSL is slow to set up), with the key's tag and role beside it.
final class RawSigner {
    let algorithm: UInt8
    let keyTag: UInt16
    let isKSK: Bool
    private let signer: DNSSECSigner

    static var algorithms: Set<UInt8> { DNSSECSigner.algorithms }

    /// A thread's own signer for `source`; nil if OpenSSL refuses the key.
    init?(_ source: DNSSECKey) {
        guard let signer = try? DNSSECSigner(privateKeyText: source.privateText), signer.algorithm == source.algorithm
        else { return nil }
        self.signer = signer
        algorithm = source.algorithm
        keyTag = source.keyTag
        isKSK = source.isKSK
    }

    /// True when `signature` is this key's valid signature over `data`.
    func verify(_ data: UnsafeBufferPointer<UInt8>, signature: UnsafeBufferPointer<UInt8>) -> Bool {
        signer.verify(data, signature: signature)
    }

    /// The seal of `signature` over `data` (`SignatureSeal`): proof for a later re-sign that
    /// this key made exactly this signature over exactly this data.
    func seal(_ data: UnsafeBufferPointer<UInt8>, signature: UnsafeBufferPointer<UInt8>) -> SignatureSeal.Mark? {
        signer.seal.mark(data: data, signature: signature)
    }

    /// The signature over `data`, appended to `out`; false if OpenSSL failed.
    @inline(__always)
    func sign(_ data: UnsafeBufferPointer<UInt8>, appendingTo out: inout [UInt8]) -> Bool {
        signer.sign(data, appendingTo: &out)
    }
}

/// One thread's signers, split the way RFC 4035 §2.2 needs them: per algorithm, its KSKs sign
/// the DNSKEY RRset (and CDS/CDNSKEY, which the parent checks against its DS, RFC 7344 §4.1)
/// and its ZSKs everything else; an algorithm with one kind of key uses it for both.
final class ThreadSigners {
    let forDNSKEY: [RawSigner]
    let forZone: [RawSigner]

    init?(_ keys: [DNSSECKey]) {
        var signers: [RawSigner] = []
        for key in keys {
            guard let signer = RawSigner(key) else { return nil }
            signers.append(signer)
        }
        var dnskey: [RawSigner] = []
        var zone: [RawSigner] = []
        for algorithm in Set(signers.map(\.algorithm)).sorted() {
            let mine = signers.filter { $0.algorithm == algorithm }
            let ksk = mine.filter(\.isKSK), zsk = mine.filter { !$0.isKSK }
            dnskey += ksk.isEmpty ? zsk : ksk
            zone += zsk.isEmpty ? ksk : zsk
        }
        forDNSKEY = dnskey
        forZone = zone
    }

    func signers(forType type: UInt16) -> [RawSigner] { ZoneLayout.signedByKSK(type) ? forDNSKEY : forZone }
}
