internal import COpenSSL
import FoundationEssentials
import PlainText

/// A DNSSEC private key read from BIND's `Private-key-format: v1.x` text (the `.private` file
/// that dnssec-keygen, ldns-keygen and `danectl keygen` write), as an OpenSSL key.
///
/// The text's fields become the DER OpenSSL reads (PKCS #1 RSAPrivateKey for RSA, SEC 1
/// ECPrivateKey for ECDSA, whose public point OpenSSL derives) or a raw EdDSA key.
final class DNSSECPrivateKey {
    let pointer: OpaquePointer
    let algorithm: UInt8

    init(privateKeyText text: String) throws(OpenSSLError) {
        var fields: [String: [UInt8]] = [:]
        var algorithm: UInt8?
        for line in text.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmed()
            let value = line[line.index(after: colon)...].trimmed()
            if name == "Algorithm" {
                algorithm = UInt8(value.prefix { $0.isNumber })
            } else if let bytes = Data(base64Encoded: value) {
                fields[name] = Array(bytes)
            }
        }
        guard let algorithm else {
            throw OpenSSLError(operation: "reading the private key", details: ["no Algorithm: line"])
        }
        self.algorithm = algorithm
        OpenSSLError.clearQueue()
        let made: OpaquePointer?
        switch algorithm {
        case 5, 7, 8, 10:
            let names = [
                "Modulus", "PublicExponent", "PrivateExponent", "Prime1", "Prime2", "Exponent1", "Exponent2",
                "Coefficient",
            ]
            guard names.allSatisfy({ fields[$0] != nil }) else {
                throw OpenSSLError(operation: "reading the RSA private key", details: ["a field is missing"])
            }
            let der = DER.sequence([DER.integer([0])] + names.map { DER.integer(fields[$0]!) })
            made = der.withUnsafeBufferPointer { buffer in
                var start: UnsafePointer<UInt8>? = buffer.baseAddress
                return d2i_PrivateKey(EVP_PKEY_RSA, nil, &start, buffer.count)
            }
        case 13, 14:
            guard let scalar = fields["PrivateKey"] else {
                throw OpenSSLError(operation: "reading the ECDSA private key", details: ["no PrivateKey: line"])
            }
            // prime256v1 1.2.840.10045.3.1.7, secp384r1 1.3.132.0.34
            let curve: [UInt8] =
                algorithm == 13 ? [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07] : [0x2b, 0x81, 0x04, 0x00, 0x22]
            let der = DER.sequence([
                DER.integer([1]), DER.element(0x04, scalar), DER.element(0xa0, DER.element(0x06, curve)),
            ])
            made = der.withUnsafeBufferPointer { buffer in
                var start: UnsafePointer<UInt8>? = buffer.baseAddress
                return d2i_PrivateKey(EVP_PKEY_EC, nil, &start, buffer.count)
            }
        case 15, 16:
            guard let raw = fields["PrivateKey"] else {
                throw OpenSSLError(operation: "reading the EdDSA private key", details: ["no PrivateKey: line"])
            }
            made = EVP_PKEY_new_raw_private_key(
                algorithm == 15 ? EVP_PKEY_ED25519 : EVP_PKEY_ED448, nil, raw, raw.count)
        default:
            throw OpenSSLError(
                operation: "reading the private key", details: ["algorithm \(algorithm) is not supported for signing"])
        }
        guard let made else { throw OpenSSLError.drain("reading the algorithm \(algorithm) private key") }
        pointer = made
    }

    deinit { EVP_PKEY_free(pointer) }
}

/// Just enough DER (X.690) to hand OpenSSL a private key: definite lengths, unsigned integers.
enum DER {
    static func element(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var out = [tag]
        let count = content.count
        if count < 0x80 {
            out.append(UInt8(count))
        } else {
            let bytes = withUnsafeBytes(of: UInt32(count).bigEndian, Array.init).drop { $0 == 0 }
            out.append(0x80 | UInt8(bytes.count))
            out += bytes
        }
        return out + content
    }

    /// A non-negative INTEGER from big-endian magnitude bytes (a zero byte is added when the
    /// top bit is set, and leading zeros are dropped).
    static func integer(_ magnitude: [UInt8]) -> [UInt8] {
        var bytes = Array(magnitude.drop { $0 == 0 })
        if bytes.isEmpty { bytes = [0] }
        if bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        return element(0x02, bytes)
    }

    static func sequence(_ items: [[UInt8]]) -> [UInt8] { element(0x30, items.flatMap { $0 }) }
}
