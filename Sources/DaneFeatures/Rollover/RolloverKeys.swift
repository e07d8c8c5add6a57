import DaneModel
import FileKit
import FoundationEssentials
import OpenSSLKit

/// The TLSA data of a host's keys in service and of its next keys, from the description and
/// its certificate files, computed by the same code `generate` publishes with.
struct RolloverKeys {
    struct Sets {
        /// Records for every key in service (one per certificate and requested triple).
        let current: [TLSARecordData]
        /// Records the next keys add; empty when the host has no next key, or when the next key
        /// is the key in service (see `nextIsCurrent`).
        let next: [TLSARecordData]
        /// The host names a next key, and it is the same public key as the one in service.
        let nextIsCurrent: Bool
        /// The record each key in service needs under `parameters`.
        let currentRecords: (TLSAParameters) -> [TLSARecordData]
    }

    let generator: Generator

    /// `now` only dates warnings about expired certificates.
    init(now: Date) { generator = Generator(now: now) }

    func sets(for host: MXHostSpec) throws(DiagnosticError) -> Sets {
        let current = try generator.tlsaRecords(for: host.withoutNext).0
        let all = try generator.tlsaRecords(for: host).0
        let next = all.filter { !current.contains($0) }
        var materials: [KeyMaterial] = []
        for source in host.current { materials.append(try generator.loader.load(source)) }
        return Sets(
            current: current, next: next, nextIsCurrent: !host.next.isEmpty && next.isEmpty,
            currentRecords: { parameters in
                materials.compactMap { try? TLSAAssociation.recordData(parameters, for: $0) }
            })
    }
}

extension RolloverKeys {
    /// After `rollover deploy` installed a new key, the description's files have moved on:
    /// `certificate:` holds the key just deployed and `next:` a fresh key. The sets the
    /// deployment was judged by are the `.previous` files (the key it replaced) as current and
    /// the files in service as next. Nil when the host's files were not replaced by a deploy
    /// (no `.previous` beside each), or the deploy kept the key.
    func setsAsDeployed(for host: MXHostSpec) throws(DiagnosticError) -> Sets? {
        guard !host.current.isEmpty else { return nil }
        var previous: [KeySourceSpec] = []
        for source in host.current {
            let path = source.path + ".previous"
            guard RegularFiles.kind(path) == .regular else { return nil }
            previous.append(
                KeySourceSpec(
                    path: path, written: source.written + ".previous", expectation: source.expectation,
                    location: source.location))
        }
        let deployed = MXHostSpec(
            host: host.host, port: host.port, current: previous, next: host.current, tlsa: host.tlsa, zone: host.zone,
            ttl: host.ttl, servedKey: host.servedKey, location: host.location)
        let sets = try sets(for: deployed)
        return sets.next.isEmpty ? nil : sets
    }
}

extension MXHostSpec {
    /// The same host with only its keys in service.
    var withoutNext: MXHostSpec {
        MXHostSpec(
            host: host, port: port, current: current, next: [], tlsa: tlsa, zone: zone, ttl: ttl, servedKey: servedKey,
            location: location)
    }
}
