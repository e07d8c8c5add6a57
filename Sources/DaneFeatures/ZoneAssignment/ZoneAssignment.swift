import DaneModel

/// Decides which zone file each name's records go in: an explicit `zone:` wins, then the
/// closest zone the description knows (its domains' zones and hosts' zones), and for a host
/// outside all of them, its parent name, flagged as a guess.
public struct ZoneAssignment: Sendable {
    public let knownZones: Set<DNSName>

    public init(description: DomainDescription) {
        var zones = Set(description.domains.map(\.zone))
        zones.formUnion(description.hosts.compactMap(\.zone))
        knownZones = zones
    }

    public enum Answer: Equatable, Sendable {
        case known(DNSName)
        case guessed(DNSName)

        public var zone: DNSName {
            switch self {
            case .known(let z), .guessed(let z): z
            }
        }
    }

    public func zone(for host: DNSName, explicit: DNSName?) -> Answer {
        if let explicit { return .known(explicit) }
        let containing = knownZones.filter { host.isSubdomain(of: $0) }
        if let closest = containing.max(by: { $0.labels.count < $1.labels.count }) { return .known(closest) }
        return .guessed(host.parent ?? host)
    }
}
