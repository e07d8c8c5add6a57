import DaneModel

/// TLSA in a signed zone still counts for nothing unless the parent publishes the zone's DS:
/// senders see the zone as unsigned. One rule for `publish`'s pre-flight and `generate --check`;
/// whatever could not be checked is said too (fail closed). `command` prefixes the codes.
enum ParentDS {
    static func warning(
        zone: DNSName, _ resolver: Result<any DNSLookup, DiagnosticError>, command: String
    ) -> Diagnostic? {
        let danger = "senders ignore its TLSA records (danger: DANE is not in force)"
        let lookup: any DNSLookup
        switch resolver {
        case .success(let found): lookup = found
        case .failure(let error):
            return .warning(
                "\(command)-ds-unchecked",
                "could not check that the parent of \(zone) publishes its DS "
                    + "(\(error.diagnostics.map(\.message).joined(separator: "; "))); without it \(danger): give --resolver"
            )
        }
        let answer = lookup.lookup(zone, .ds)
        switch answer.status {
        case .secure where !(answer.response?.records(ofType: .ds).isEmpty ?? true):
            return nil
        case .secure:
            return .warning(
                "\(command)-no-ds",
                "the parent of \(zone) publishes no DS for it (DNSSEC proves the absence), so \(danger): "
                    + "publish the DS (`danectl ds KEYFILE`) through your registrar or parent zone")
        case .insecure:
            return .warning(
                "\(command)-no-ds",
                "\(zone) is insecure at the validating resolver (no DS at a signed parent, or an unsigned parent), "
                    + "so \(danger): publish the DS (`danectl ds KEYFILE`) through your registrar or parent zone")
        case .bogus:
            return .warning(
                "\(command)-ds-bogus",
                "the DS of \(zone) does not validate (\(answer.problem ?? "bogus")): senders defer its mail with "
                    + "5.7.324 dnssec-invalid; fix the DS at the parent to match a key the zone is signed with")
        case .failed:
            return .warning(
                "\(command)-ds-unchecked",
                "could not look up the DS of \(zone) (\(answer.problem ?? "the lookup failed")); without it \(danger)")
        }
    }
}
