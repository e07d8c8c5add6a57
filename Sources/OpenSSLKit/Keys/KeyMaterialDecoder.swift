internal import COpenSSL

/// Reads PEM or DER certificates, chains, public keys, CSRs and private keys.
///
/// A private key is parsed only to derive its public key; it is freed at once and nothing of
/// it is kept, printed or put in an error.
public enum KeyMaterialDecoder {
    public static func read(_ bytes: [UInt8]) throws(KeyMaterialError) -> KeyMaterial {
        OpenSSLError.clearQueue()
        defer { OpenSSLError.clearQueue() }
        guard !bytes.isEmpty else {
            throw KeyMaterialError(code: .empty, reason: "the file is empty")
        }
        if looksLikePEM(bytes) {
            return try combine(readPEMBlocks(bytes))
        }
        return try combine([try readDER(bytes)])
    }

    // MARK: - Parsed pieces

    enum Piece {
        case certificate(Certificate)
        case publicKey([UInt8])
        case request([UInt8])
        case privateKey(PrivateKeyHandle)
    }

    static func looksLikePEM(_ bytes: [UInt8]) -> Bool {
        let marker = Array("-----BEGIN ".utf8)
        guard bytes.count >= marker.count else { return false }
        for start in 0...(bytes.count - marker.count) where bytes[start] == marker[0] {
            if Array(bytes[start..<start + marker.count]) == marker { return true }
        }
        return false
    }

    // MARK: - PEM

    static func readPEMBlocks(_ bytes: [UInt8]) throws(KeyMaterialError) -> [Piece] {
        var pieces: [Piece] = []
        var failure: KeyMaterialError?
        bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return }
            defer { BIO_free(bio) }
            var index = 0
            while failure == nil {
                var name: UnsafeMutablePointer<CChar>?
                var header: UnsafeMutablePointer<CChar>?
                var data: UnsafeMutablePointer<UInt8>?
                var length = 0
                if PEM_read_bio(bio, &name, &header, &data, &length) != 1 {
                    let reason = ERR_GET_REASON(ERR_peek_last_error())
                    if reason != PEM_R_NO_START_LINE || index == 0 {
                        failure = KeyMaterialError(
                            code: .badPEM,
                            reason: "PEM block \(index + 1) is damaged (bad base64 or a missing END line)")
                    }
                    break
                }
                index += 1
                let label = name.map { String(cString: $0) } ?? ""
                let der = Array(UnsafeBufferPointer(start: data, count: length))
                // A traditional ("Proc-Type: 4,ENCRYPTED") key: the DER is ciphertext.
                let encrypted = header.map { String(cString: $0).contains("ENCRYPTED") } ?? false
                CRYPTO_free(name, #file, #line)
                CRYPTO_free(header, #file, #line)
                CRYPTO_free(data, #file, #line)
                if encrypted {
                    failure = KeyMaterialError(
                        code: .encryptedKey,
                        reason: "PEM block \(index) (\(label)) is encrypted (Proc-Type: 4,ENCRYPTED); "
                            + "danectl needs only the public half: give the certificate or the public key instead")
                    break
                }
                do throws(KeyMaterialError) {
                    if let piece = try piece(pemLabel: label, der: der, index: index) { pieces.append(piece) }
                } catch { failure = error }
            }
        }
        if let failure { throw failure }
        return pieces
    }

    static func piece(pemLabel label: String, der: [UInt8], index: Int) throws(KeyMaterialError) -> Piece? {
        func parsed<T>(_ value: T?, _ what: String) throws(KeyMaterialError) -> T {
            guard let value else {
                throw KeyMaterialError(code: .badPEM, reason: "PEM block \(index) (\(label)) does not parse as \(what)")
            }
            return value
        }
        switch label {
        case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE":
            return .certificate(
                try parsed(parseCertificate(der, trusted: label == "TRUSTED CERTIFICATE"), "a certificate"))
        case "PUBLIC KEY":
            return .publicKey(try parsed(parsePublicKey(der), "a public key"))
        case "RSA PUBLIC KEY":
            return .publicKey(try parsed(parseRSAPublicKey(der), "an RSA public key"))
        case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
            return .request(try parsed(parseRequest(der), "a certificate signing request"))
        case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY":
            return .privateKey(try parsed(parsePrivateKey(der), "a private key"))
        case "ENCRYPTED PRIVATE KEY":
            throw KeyMaterialError(
                code: .encryptedKey,
                reason:
                    "holds an encrypted private key; give the certificate or public key instead (danectl never asks for passphrases)"
            )
        case "EC PARAMETERS", "DH PARAMETERS", "X509 CRL":
            return nil
        default:
            throw KeyMaterialError(
                code: .unknownPEMBlock,
                reason: "PEM block \(index) is a \"\(label)\", which is not a certificate or key")
        }
    }

    // MARK: - DER (one object, type found by trying each parser)

    static func readDER(_ bytes: [UInt8]) throws(KeyMaterialError) -> Piece {
        if let cert = parseCertificate(bytes, trusted: false) { return .certificate(cert) }
        if let spki = parsePublicKey(bytes) { return .publicKey(spki) }
        if let spki = parseRequest(bytes) { return .request(spki) }
        if let key = parsePrivateKey(bytes) { return .privateKey(key) }
        throw KeyMaterialError(
            code: .notKeyMaterial,
            reason: "is neither PEM nor DER certificate, public key, CSR or private key")
    }

    // MARK: - Combining pieces into one answer

    static func combine(_ pieces: [Piece]) throws(KeyMaterialError) -> KeyMaterial {
        var certificates: [Certificate] = []
        var publicKeys: [[UInt8]] = []
        var requests: [[UInt8]] = []
        var privateKeys: [PrivateKeyHandle] = []
        for piece in pieces {
            switch piece {
            case .certificate(let c): certificates.append(c)
            case .publicKey(let k): publicKeys.append(k)
            case .request(let r): requests.append(r)
            case .privateKey(let k): privateKeys.append(k)
            }
        }
        if let leaf = certificates.first {
            guard publicKeys.isEmpty, requests.isEmpty, privateKeys.count <= 1 else {
                throw KeyMaterialError(
                    code: .ambiguous, reason: "mixes certificates with other keys or requests; give one thing per file")
            }
            if let key = privateKeys.first, !leaf.matches(privateKey: key) {
                throw KeyMaterialError(
                    code: .keyMismatch, reason: "holds a private key that does not belong to its first certificate")
            }
            return KeyMaterial(
                kind: .certificate, chain: certificates, subjectPublicKeyInfoDER: leaf.subjectPublicKeyInfoDER)
        }
        let count = publicKeys.count + requests.count + privateKeys.count
        guard count == 1 else {
            throw KeyMaterialError(
                code: count == 0 ? .notKeyMaterial : .ambiguous,
                reason: count == 0 ? "holds no certificate or key" : "holds \(count) keys or requests; give exactly one"
            )
        }
        if let spki = publicKeys.first {
            return KeyMaterial(kind: .publicKey, chain: [], subjectPublicKeyInfoDER: spki)
        }
        if let spki = requests.first {
            return KeyMaterial(kind: .certificateRequest, chain: [], subjectPublicKeyInfoDER: spki)
        }
        return KeyMaterial(
            kind: .privateKey, chain: [], subjectPublicKeyInfoDER: privateKeys[0].subjectPublicKeyInfoDER)
    }

    // MARK: - d2i parsers (each consumes exactly the whole input or fails)

    static func withCursor<T>(_ der: [UInt8], _ body: (UnsafeMutablePointer<UnsafePointer<UInt8>?>, Int) -> T?) -> T? {
        der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            let result = body(&cursor, buffer.count)
            // Trailing bytes mean this was not (only) the object we tried.
            if let cursor, let base = buffer.baseAddress, cursor != base + buffer.count { return nil }
            return result
        }
    }

    static func parseCertificate(_ der: [UInt8], trusted: Bool) -> Certificate? {
        let pointer: OpaquePointer? =
            withCursor(der) { cursor, count in
                trusted ? d2i_X509_AUX(nil, cursor, count) : d2i_X509(nil, cursor, count)
            } ?? nil
        return pointer.map(Certificate.init(owning:))
    }

    static func parsePublicKey(_ der: [UInt8]) -> [UInt8]? {
        guard let key: OpaquePointer = withCursor(der, { cursor, count in d2i_PUBKEY(nil, cursor, count) }) ?? nil
        else { return nil }
        defer { EVP_PKEY_free(key) }
        return derBytes { i2d_PUBKEY(key, $0) }
    }

    static func parseRSAPublicKey(_ der: [UInt8]) -> [UInt8]? {
        guard
            let key: OpaquePointer = withCursor(
                der, { cursor, count in d2i_PublicKey(EVP_PKEY_RSA, nil, cursor, count) }) ?? nil
        else { return nil }
        defer { EVP_PKEY_free(key) }
        return derBytes { i2d_PUBKEY(key, $0) }
    }

    static func parseRequest(_ der: [UInt8]) -> [UInt8]? {
        guard let request: OpaquePointer = withCursor(der, { cursor, count in d2i_X509_REQ(nil, cursor, count) }) ?? nil
        else { return nil }
        defer { X509_REQ_free(request) }
        guard let key = X509_REQ_get0_pubkey(request) else { return nil }
        return derBytes { i2d_PUBKEY(key, $0) }
    }

    static func parsePrivateKey(_ der: [UInt8]) -> PrivateKeyHandle? {
        let key: OpaquePointer? = withCursor(der) { cursor, count in d2i_AutoPrivateKey(nil, cursor, count) } ?? nil
        return key.map(PrivateKeyHandle.init(owning:))
    }
}
