import DaneModel
import FoundationEssentials
import LDNSKit

/// `ds`: the DS record (SHA-256) a parent publishes for a key.
public enum DSRecords {
    /// The DS record, or with `cds`/`cdnskey` the CDS and/or CDNSKEY records the child
    /// publishes at its apex for the parent to pick up (RFC 7344).
    public static func ds(
        forKey path: String, cds: Bool = false, cdnskey: Bool = false
    ) throws(DiagnosticError) -> (String, [Diagnostic]) {
        let base =
            path.hasSuffix(".key")
            ? String(path.dropLast(4)) : path.hasSuffix(".private") ? String(path.dropLast(8)) : path
        guard FileManager.default.fileExists(atPath: base + ".key") || FileManager.default.fileExists(atPath: path)
        else {
            throw DiagnosticError(
                .error(
                    .noInput("key-unreadable"), "no such key: neither \(path) nor \(base).key exists",
                    at: .init(file: path)))
        }
        do {
            let key = try DNSSECKey.load(path: path)
            let warnings: [Diagnostic] =
                key.isKSK
                ? []
                : [
                    .warning(
                        "ds-zsk",
                        "\(key.baseName) is a zone-signing key (flags 256); the parent's DS usually points at the key-signing key"
                    )
                ]
            if cds || cdnskey {
                return (try key.childRecords(cds: cds, cdnskey: cdnskey).joined(separator: "\n"), warnings)
            }
            return (try key.dsRecord(), warnings)
        } catch {
            throw DiagnosticError(
                .error(
                    error.unreadable ? .noInput("key-unreadable") : .badData("key-invalid"), error.reason,
                    at: .init(file: path)))
        }
    }
}
