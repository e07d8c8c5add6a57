import DaneModel
import Foundation
import LDNSKit

/// `generate --check-live`: before emitting a TLSA set, make sure it still matches the key
/// every MX address serves right now, so a pipeline cannot publish a set that would strand
/// mail (the classic outage: the new certificate went live before its hash).
public struct LiveKeyCheck {
    public let lookup: SecureLookup
    public var timeout: TimeInterval

    public init(lookup: SecureLookup, timeout: TimeInterval) {
        self.lookup = lookup
        self.timeout = timeout
    }

    /// One error per address that the generated set would not authenticate.
    public func problems(_ description: DomainDescription, now: Date) throws(DiagnosticError) -> [Diagnostic] {
        let generator = Generator(now: now)
        let checker = RolloverChecker(lookup: lookup, now: now, timeout: timeout)
        var problems: [Diagnostic] = []
        for host in description.hosts {
            let records = try generator.tlsaRecords(for: host).0
            for reason in checker.probe(host.host.fqdn, baseDomain: host.host.fqdn, records: records, expectation: "a key in this TLSA set") {
                problems.append(.error("live.mismatch",
                    "\(reason); publishing this set would make DANE senders defer its mail (use --force to publish anyway)",
                    at: host.location))
            }
        }
        return problems
    }
}
