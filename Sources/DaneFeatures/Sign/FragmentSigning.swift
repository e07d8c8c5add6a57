import DaneModel
import FoundationEssentials
import LDNSKit

/// `generate --sign`: RRSIGs for the generated RRsets, zone by zone, with each zone's own
/// keys, for operators who paste signed fragments into a zone signed elsewhere.
public enum FragmentSigning {
    public static func sign(
        _ records: [ResourceRecord], keyPaths: [String], options: SigningOptions
    ) throws(DiagnosticError) -> [ResourceRecord] {
        guard !keyPaths.isEmpty else {
            throw DiagnosticError(
                .error(
                    .badData("key-missing"),
                    "--sign needs keys: pass --key K<zone>.+<alg>+<tag> for each zone, or list them under dnssec: keys: in the description"
                ))
        }
        var keysByZone: [String: [DNSSECKey]] = [:]
        for key in try SigningKeys.loadEach(keyPaths) { keysByZone[key.zone, default: []].append(key) }
        var errors: [Diagnostic] = []
        let zones = Set(records.map(\.zone))
        for zone in zones.sorted() where keysByZone[zone.fqdn] == nil {
            errors.append(
                .error(
                    .badData("key-missing"),
                    "no key for zone \(zone.fqdn): add one with --key (danectl keygen \(zone.fqdn)), or leave the zone out with --zone"
                ))
        }
        guard errors.isEmpty else { throw DiagnosticError(errors) }

        var signed = records
        for zone in zones.sorted() {
            let mine = records.filter { $0.zone == zone }
            do {
                let signatures = try RRsetSigner.sign(
                    records: mine.map(\.presentation), keys: keysByZone[zone.fqdn]!, options: options)
                for signature in signatures {
                    signed.append(
                        ResourceRecord(
                            zone: zone, owner: signature.owner, ttl: signature.ttl, type: .rrsig,
                            data: .rrsig(signature.data)))
                }
            } catch {
                throw DiagnosticError(.error(.badData("sign-failed"), "signing zone \(zone.fqdn): \(error.reason)"))
            }
        }
        return signed.sorted()
    }
}
