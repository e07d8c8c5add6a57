internal import COpenSSL

/// An owned `EVP_PKEY*`. Kept internal: a private key never leaves this module; callers
/// only ever see the DER of its public half.
final class PrivateKeyHandle {
    let pointer: OpaquePointer

    init(owning pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }

    /// DER SubjectPublicKeyInfo of the key (its public half only).
    var subjectPublicKeyInfoDER: [UInt8] {
        derBytes { i2d_PUBKEY(pointer, $0) }
    }
}
