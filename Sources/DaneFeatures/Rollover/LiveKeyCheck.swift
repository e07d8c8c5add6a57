import DaneModel
import FoundationEssentials

/// `generate --check-live`: before emitting a TLSA set, make sure it still matches the key
/// every MX address serves right now, so a pipeline cannot publish a set that would strand
/// mail (the classic outage: the new certificate went live before its hash).
public struct LiveKeyCheck: Sendable {
    public let lookup: any DNSLookup
    public let probe: any KeyProbe
    public let now: Date

    public init(lookup: any DNSLookup, probe: any KeyProbe, now: Date) {
        self.lookup = lookup
        self.probe = probe
        self.now = now
    }

    /// One error per address that the generated set would not authenticate, or that could
    /// not be checked (fails closed: an address nobody could ask is not a match).
    public func problems(_ description: DomainDescription) throws(DiagnosticError) -> [Diagnostic] {
        let generator = Generator(now: now)
        let checker = RolloverChecker(lookup: lookup, probe: probe, now: now)
        var problems: [Diagnostic] = []
        for host in description.hosts {
            let records = try generator.tlsaRecords(for: host).0
            guard
                let failure = checker.probeAddresses(host, records: records, expectation: "a key in this TLSA set")
                    .failure
            else { continue }
            for finding in failure.findings {
                problems.append(
                    .error(
                        .badData("live-mismatch"),
                        "\(finding.message); publishing this set would make DANE senders defer its mail (use --force to publish anyway)",
                        at: host.location))
            }
        }
        return problems
    }
}
