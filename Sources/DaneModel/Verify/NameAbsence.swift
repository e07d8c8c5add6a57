/// A name that the DNS says is not there, as a fact with its own remedy: the generic "make
/// every name server answer" is wrong for a domain that does not exist, or an MX host that
/// simply has no address.
public enum NameAbsence: String, Sendable, Codable, Hashable {
    /// NXDOMAIN for the domain itself (proven by DNSSEC when the zone is signed).
    case domainDoesNotExist = "nxdomain"
    /// The MX host exists but has no A or AAAA records (NODATA).
    case noAddress = "no-address"

    public func remedy(for name: String) -> String {
        switch self {
        case .domainDoesNotExist:
            "\(name) does not exist: nothing to fix in its zone; if it should receive mail, register or delegate it, "
                + "else stop sending to it"
        case .noAddress:
            "add an A or AAAA record for \(name) in its zone (or point the MX at a host that has one)"
        }
    }

    /// What a sender does: no retry helps a name that does not exist.
    public var senderNext: String {
        switch self {
        case .domainDoesNotExist: "the sender bounces the message at once: the domain does not exist"
        case .noAddress:
            "the sender skips this MX host (no address to connect to); with no other host that works, the message bounces"
        }
    }
}

extension DomainReport {
    /// The fix for the domain's own failure: the absence's, else the broken link's, else the failure's.
    public var remedy: String? { absence?.remedy(for: domain) ?? chainBreak?.fix ?? failure?.dnsRemedy(for: domain) }

    /// What the sender does after the domain's own failure.
    public var senderNextStep: String? { failure.map { absence?.senderNext ?? profile.nextStep(after: $0) } }

    /// What the sender does after a host's own failure (before any address was tried).
    public func senderNext(afterHost host: HostReport) -> String? {
        guard let failure = host.failure else { return nil }
        if let absence = host.absence,
            !hosts.contains(where: { $0.host != host.host && $0.addresses.contains { $0.verdict == .pass } })
        {
            return absence.senderNext
        }
        return senderNext(after: failure, host: host.host, address: nil)
    }
}

extension HostReport {
    /// The fix for the host's own failure.
    public var remedy: String? { absence?.remedy(for: host) ?? chainBreak?.fix ?? failure?.dnsRemedy(for: host) }
}
