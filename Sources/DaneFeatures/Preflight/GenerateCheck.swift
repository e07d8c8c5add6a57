import DaneModel

/// `generate --check`: what would not work once these records are published, asked of the
/// validating resolver before anything is deployed (the pre-flight `publish` runs against the
/// primary, for pipelines that publish some other way): an MX host with no address (senders
/// skip it), and TLSA for a zone that is not signed or has no DS at its parent (senders ignore
/// it). Each is a located warning; anything that could not be asked is said, never passed.
enum GenerateCheck {
    static func warnings(
        records: [ResourceRecord], description: DomainDescription, lookup: any DNSLookup
    ) -> [Diagnostic] {
        var warnings: [Diagnostic] = []
        var asked = Set<DNSName>()
        for domain in description.domains {
            for mx in domain.mx where asked.insert(mx.host).inserted {
                if let problem = addressProblem(mx, lookup) { warnings.append(problem) }
            }
        }
        let signedZones = Set(records.filter { $0.type == .tlsa }.map(\.zone))
        for zone in signedZones.sorted() {
            if let problem = signingProblem(zone, lookup) { warnings.append(problem) }
        }
        return warnings
    }

    private static func addressProblem(_ mx: MXReference, _ lookup: any DNSLookup) -> Diagnostic? {
        var failures: [String] = []
        for type in [RRType.a, .aaaa] {
            let answer = lookup.lookup(mx.host, type)
            if !(answer.response?.records(ofType: type).isEmpty ?? true) && answer.status != .bogus { return nil }
            if answer.status == .failed || answer.status == .bogus {
                failures.append("\(type): \(answer.problem ?? answer.status.rawValue)")
            }
        }
        guard failures.isEmpty else {
            return .warning(
                "generate-mx-unchecked",
                "could not look up the address of MX host \(mx.host) (\(failures.joined(separator: "; "))): "
                    + "senders cannot connect to a host whose address does not resolve", at: mx.location)
        }
        return .warning(
            "generate-mx-no-address",
            "MX host \(mx.host) has no A or AAAA record: senders skip a host they cannot connect to; "
                + "add its address before (or with) the MX", at: mx.location)
    }

    private static func signingProblem(_ zone: DNSName, _ lookup: any DNSLookup) -> Diagnostic? {
        let keys = lookup.lookup(zone, .dnskey)
        switch keys.status {
        case .failed:
            return .warning(
                "generate-signing-unchecked",
                "could not look up the DNSKEY of \(zone) (\(keys.problem ?? "the lookup failed")); "
                    + "without a signed zone and its DS, senders ignore its TLSA records")
        case .bogus:
            return .warning(
                "generate-ds-bogus",
                "the DNSKEY of \(zone) does not validate (\(keys.problem ?? "bogus")): senders defer its mail with "
                    + "5.7.324 dnssec-invalid; fix the zone's signatures or the DS at its parent")
        case .secure, .insecure:
            guard !(keys.response?.records(ofType: .dnskey).isEmpty ?? true) else {
                return .warning(
                    "generate-tlsa-unsigned-zone",
                    "zone \(zone) has no DNSKEY: senders ignore TLSA records in an unsigned zone "
                        + "(danger: DANE is not in force); sign it (`danectl sign`) and publish its DS at the parent")
            }
            return ParentDS.warning(zone: zone, .success(lookup), command: "generate")
        }
    }
}
