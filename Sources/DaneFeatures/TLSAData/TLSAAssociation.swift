import DaneModel
import OpenSSLKit

/// Where TLSA association data is computed: the bytes that selector picks, hashed as the
/// matching type says. Selector 1 hashes the DER SubjectPublicKeyInfo and selector 0 the DER
/// certificate, exactly the bytes OpenSSL's DANE matcher hashes on the sender's side.
public enum TLSAAssociation {
    public enum Failure: Error, Equatable, Sendable {
        /// Selector 0 needs a whole certificate; the file held only a key or CSR.
        case needsCertificate(KeyMaterial.Kind)
        /// DANE-TA needs the issuing CA, and the chain stops at the leaf.
        case chainLacksIssuer
        /// The certificate after the leaf did not issue it.
        case chainOutOfOrder
    }

    public static func recordData(
        _ parameters: TLSAParameters, for material: KeyMaterial
    ) throws(Failure) -> TLSARecordData {
        // A chain is leaf first, each certificate issued by the next: otherwise "the key" would
        // be a CA's, and a 3 1 1 for it matches nothing the server presents.
        if material.chain.count >= 2,
            material.chain[0].isCertificateAuthority || !material.chain[0].isIssued(by: material.chain[1])
        {
            throw .chainOutOfOrder
        }
        let subject: Certificate?
        let spki: [UInt8]
        switch parameters.usage {
        case .daneTA:
            guard material.chain.count >= 2 else {
                throw material.chain.isEmpty ? .needsCertificate(material.kind) : .chainLacksIssuer
            }
            subject = material.chain[1]
            spki = material.chain[1].subjectPublicKeyInfoDER
        default:
            subject = material.leaf
            spki = material.subjectPublicKeyInfoDER
        }
        let selected: [UInt8]
        if parameters.selector == .certificate {
            guard let subject else { throw .needsCertificate(material.kind) }
            selected = subject.der
        } else {
            selected = spki
        }
        return TLSARecordData(parameters: parameters, associationData: digest(selected, parameters.matchingType))
    }

    /// The SHA-256 of a SubjectPublicKeyInfo, in hex: a key's `3 1 1` data, as every place
    /// that names a served key shows it.
    public static func spkiSHA256(_ subjectPublicKeyInfoDER: [UInt8]) -> String {
        Hex.encode(digest(subjectPublicKeyInfoDER, .sha256))
    }

    static func digest(_ bytes: [UInt8], _ matchingType: TLSAMatchingType) -> [UInt8] {
        switch matchingType {
        case .sha256: Digest.hash(bytes, with: .sha256)
        case .sha512: Digest.hash(bytes, with: .sha512)
        default: bytes
        }
    }
}
