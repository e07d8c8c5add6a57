import DaneModel
import Foundation
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
        return Sets(current: current, next: next, nextIsCurrent: !host.next.isEmpty && next.isEmpty,
                    currentRecords: { parameters in materials.compactMap { try? TLSAAssociation.recordData(parameters, for: $0) } })
    }
}

extension MXHostSpec {
    /// The same host with only its keys in service.
    var withoutNext: MXHostSpec {
        MXHostSpec(host: host, port: port, current: current, next: [], tlsa: tlsa, zone: zone, ttl: ttl, servedKey: servedKey, location: location)
    }
}
