import DaneModel
import FileKit
import FoundationEssentials
import Glibc
import OpenSSLKit
import ThreadKit

/// Opens the certificate and key files a description names, once each, and checks that each
/// holds what its YAML key promised (a certificate under `certificate:`, a key under `key:`).
///
/// Errors name the YAML position and the file as written; they never quote file contents.
public final class KeyMaterialLoader {
    private var cache: [String: Result<KeyMaterial, KeyMaterialError>] = [:]
    /// `generate` checks a provider's domains on every core, and each may read a key.
    private let lock = Lock()

    public init() {}

    public func load(_ source: KeySourceSpec) throws(DiagnosticError) -> KeyMaterial {
        let material: KeyMaterial
        switch read(source.path) {
        case .success(let m): material = m
        case .failure(let error):
            let hint =
                source.expectation == .any && error.code == .unreadable
                    && !FileManager.default.fileExists(atPath: source.path)
                ? " (to make the next key and a CSR for it: danectl rollover prepare)" : ""
            throw DiagnosticError(
                .error(
                    error.code == .unreadable ? .noInput("key-unreadable") : .badData("key-\(error.code.rawValue)"),
                    "\(source.written): \(error.reason)\(hint)", at: source.location))
        }
        switch (source.expectation, material.kind) {
        case (.certificate, .privateKey):
            throw DiagnosticError(
                .error(
                    .badData("key-not-certificate"),
                    "\(source.written) holds a private key, not a certificate; give the certificate here, or name the file "
                        + "under \"key:\" if only its public half should be published", at: source.location))
        case (.certificate, .publicKey), (.certificate, .certificateRequest):
            throw DiagnosticError(
                .error(
                    .badData("key-not-certificate"),
                    "\(source.written) holds a \(material.kind.rawValue), not a certificate; name it under \"key:\" instead",
                    at: source.location))
        case (.key, .certificate):
            throw DiagnosticError(
                .error(
                    .badData("key-not-key"),
                    "\(source.written) holds a certificate, not a key; name it under \"certificate:\" instead",
                    at: source.location))
        default:
            return material
        }
    }

    private func read(_ path: String) -> Result<KeyMaterial, KeyMaterialError> {
        lock.lock()
        defer { lock.unlock() }
        if let cached = cache[path] { return cached }
        let result: Result<KeyMaterial, KeyMaterialError>
        if let data = FileManager.default.contents(atPath: path) {
            do { result = .success(try KeyMaterialDecoder.read(Array(data))) } catch { result = .failure(error) }
        } else {
            let exists = FileManager.default.fileExists(atPath: path)
            let reason =
                !exists
                ? "no such file"
                : RegularFiles.isDirectory(path)
                    ? "is a folder, not a file" : "cannot read the file (permission denied?)"
            result = .failure(KeyMaterialError(code: .unreadable, reason: reason))
        }
        cache[path] = result
        return result
    }
}
