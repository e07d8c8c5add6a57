import FoundationEssentials
import Glibc

/// Signs a whole zone. `sign` lays the zone out (canonical order, delegations, the NSEC or
/// NSEC3 chain); the signatures themselves are made while the zone is written
/// (`SignedZone.write(to:)`), on every core, block by block, so no signature is ever held in
/// memory longer than it takes to print it.
public enum SigningEngine {
    public static func sign(
        _ zoneFile: ZoneFile, keys: [DNSSECKey], options: SigningOptions
    ) throws(LDNSError) -> SignedZone {
        guard !keys.isEmpty else { throw LDNSError("no signing key given") }
        for key in keys where key.zone != zoneFile.origin {
            throw LDNSError("key \(key.baseName) is for zone \(key.zone), not \(zoneFile.origin)")
        }
        for key in keys where !RawSigner.algorithms.contains(key.algorithm) {
            throw LDNSError(
                "key \(key.baseName) uses algorithm \(key.algorithm), which danectl does not sign with "
                    + "(RFC 8624: use 13 ECDSAP256SHA256, 15 ED25519 or 8 RSASHA256)")
        }
        guard let probe = ThreadSigners(keys) else { throw LDNSError("OpenSSL cannot sign with these keys") }
        let layout = try ZoneLayout.build(
            zoneFile, keys: keys, denial: options.denial, childSync: options.childSync, threads: options.threads)
        let counts = layout.signingCounts(dnskeySigners: probe.forDNSKEY.count, zoneSigners: probe.forZone.count)
        let old =
            options.keepSignatures && zoneFile.oldSignatures.count > 0
            ? OldSignatures(zoneFile.oldSignatures, seals: zoneFile.seals) : nil
        return SignedZone(
            layout: layout, keys: keys, options: options, rrsets: counts.rrsets, signatures: counts.signatures, old: old
        )
    }
}
