import DaneModel
import FileKit
import FoundationEssentials
import LDNSKit

/// The signing window and denial choice `sign` and `generate --sign` take (LDNSKit's type,
/// named here so the command line reaches it through the features).
public typealias SigningOptions = LDNSKit.SigningOptions

/// Process-wide allocator settings for commands that sign big zones; called by the command
/// line, which alone may change how the whole process allocates.
public enum ProcessTuning {
    public static func forSigningLargeZones() { MemoryTuning.preferMappedLargeBlocks() }
    /// Before parsing: freed memory stays in the heaps for reuse (no trim storms).
    public static func forParsingLargeZones() { MemoryTuning.keepFreedMemoryForReuse() }
}

/// `keygen`: a DNSSEC key pair in BIND's file format.
public enum KeyGeneration {
    public struct Files: Sendable {
        public let baseName: String
        public let publicText: String
        public let privateText: String
    }

    public static func generate(zone: String, algorithm: DNSSECAlgorithm, ksk: Bool) throws(DiagnosticError) -> Files {
        do {
            let key = try DNSSECKey.generate(zone: zone.lowercased(), algorithm: algorithm, ksk: ksk)
            return Files(baseName: key.baseName, publicText: key.publicFileText, privateText: key.privateFileText)
        } catch {
            throw DiagnosticError(.error(.badData("key-generation"), error.reason))
        }
    }

    /// `keygen`: makes the pair and writes K<zone>.+<alg>+<tag>.key (0644) and .private (0600)
    /// into `directory`, both or neither, never over an existing key. Returns the base name.
    public static func write(
        zone: String, algorithm: DNSSECAlgorithm, ksk: Bool, into directory: String
    ) throws(DiagnosticError) -> String {
        let key = try generate(zone: zone, algorithm: algorithm, ksk: ksk)
        let base = URL(fileURLWithPath: directory).appendingPathComponent(key.baseName).path
        for suffix in [".key", ".private"] where FileManager.default.fileExists(atPath: base + suffix) {
            throw DiagnosticError(
                .error(.cannotCreate("output-exists"), "\(base)\(suffix) already exists; not overwriting a key"))
        }
        do {
            try AtomicFiles.write([(base + ".key", key.publicText, 0o644), (base + ".private", key.privateText, 0o600)])
        } catch {
            throw DiagnosticError(.error(.cannotCreate("output-write"), error.description))
        }
        return key.baseName
    }
}
