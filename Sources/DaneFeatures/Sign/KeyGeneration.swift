import DaneModel
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
}
