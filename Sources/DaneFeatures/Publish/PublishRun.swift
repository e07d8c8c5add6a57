import DaneModel
import DaneSpec
import FoundationEssentials
import LDNSKit
import ThreadKit

/// What `publish` needs from the command line.
public struct PublishRequest: Sendable {
    public var file: String
    public var server: String
    /// The TSIG key file; may be nil only for a dry run.
    public var tsigKey: String?
    public var zones: [String] = []
    public var dryRun = false
    public var timeout: TimeInterval = 10
    /// How long to wait for a zone the server signs to serve the change signed (0: do not wait).
    public var waitSeconds: TimeInterval = 60
    /// Any warning (pre-flight included) stops the run before anything is sent.
    public var warningsAsErrors = false
    /// The validating resolver that finds the zone's name servers for first-seen evidence
    /// (nil: the system's); the rollover state file the evidence goes to.
    public var resolver: String?
    public var statePath: String?
    public var state: String { statePath ?? file + ".rollover.json" }

    public init(file: String, server: String) {
        self.file = file
        self.server = server
    }
}

public struct PublishOutcome: Sendable {
    public let zones: [ZonePublication]
    public let warnings: [Diagnostic]
    /// Why the run stopped early, if it did (the zones say what was applied before).
    public let failure: Diagnostic?
    /// First-seen times for the TLSA records every authoritative server now serves, so a
    /// rollover's wait starts at the publish (nil: nothing new to record).
    public var evidenceToWrite: EvidenceUpdate?
    /// Why first-seen times were not recorded for some records (`rollover check` will).
    public var evidenceNotes: [String] = []

    public var hasChanges: Bool { zones.contains { !$0.changes.isEmpty } }
}

/// `publish`: the minimal RFC 2136 update that makes the primary serve what `generate`
/// makes, for the RRsets danectl owns only (TLSA of described hosts, MX of described domains
/// that give priorities, `_smtp._tls` TXT of domains with `tlsrpt:`, `_mta-sts` TXT of domains with `mta_sts:`). Each zone gets one
/// UPDATE whose prerequisites pin every RRset it touches as it was read, so a concurrent
/// change makes it fail whole instead of being overwritten.
public enum PublishRun {
    public static func run(
        _ request: PublishRequest, world: World, server given: (any PrimaryServer)? = nil,
        pause: (TimeInterval) -> Void = { Threads.sleep(seconds: $0) }
    ) throws(DiagnosticError) -> PublishOutcome {
        var generateRequest = GenerateRequest(file: request.file)
        generateRequest.zones = request.zones
        let generated = try GenerateRun.run(generateRequest, world: world)
        let key = try request.tsigKey.map { path throws(DiagnosticError) in try readKey(path) }
        if key == nil && !request.dryRun {
            throw DiagnosticError(
                .error(
                    .usage("usage-tsig-key"),
                    "publish needs --tsig-key FILE to sign the update (or --dry-run to only show the plan)"))
        }
        let server: any PrimaryServer
        if let given {
            server = given
        } else {
            do { server = try LivePrimary(address: request.server, timeout: request.timeout) } catch {
                throw DiagnosticError(.error(.usage("usage-server"), "--server: \(error.description)"))
            }
        }
        var zones: [ZonePublication] = []
        var warnings = generated.warnings
        // The parent's DS and first-seen times are read through the validating resolver: found
        // once, only if needed (a dead resolver costs one timeout, not one per use).
        let resolver = LazyResolver(request: request, world: world)
        for (zone, records) in Dictionary(grouping: generated.records, by: \.zone).sorted(by: { $0.key < $1.key }) {
            zones.append(try plan(zone: zone, records: records, server: server))
            warnings += try preflight(
                zone: zone, records: records, mxHosts: generated.mxHosts, signed: zones.last!.signedByServer,
                server: server)
            if zones.last!.signedByServer, records.contains(where: { $0.type == .tlsa }),
                let problem = ParentDS.warning(zone: zone, resolver.lookup, command: "publish")
            {
                warnings.append(problem)
            }
            // The key is proven on every run, even when nothing would change: a rotated or wrong
            // key must fail now (77), not at the next real change in the middle of a rollover.
            if let key, let problem = proveKey(zone: zone, key: key, server: server) { throw DiagnosticError(problem) }
        }
        if request.warningsAsErrors && !warnings.isEmpty {
            throw DiagnosticError(
                warnings + [
                    .error(
                        .badData("warnings-as-errors"),
                        "\(warnings.count) warning(s) and --warnings-as-errors: nothing sent")
                ])
        }
        guard !request.dryRun, let key else {
            return PublishOutcome(
                zones: zones.map {
                    var z = $0; z.state = z.changes.isEmpty ? .unchanged : .planned; return z
                },
                warnings: warnings, failure: nil)
        }
        var failure: Diagnostic?
        for index in zones.indices where !zones[index].changes.isEmpty {
            guard failure == nil else { zones[index].state = .notAttempted; continue }
            failure = apply(
                &zones[index], key: key, server: server, wait: request.waitSeconds, clock: world.clock, pause: pause)
        }
        var outcome = PublishOutcome(zones: zones, warnings: warnings, failure: failure)
        recordFirstSeen(
            request, records: generated.records, in: zones, resolver: resolver, clock: world.clock, into: &outcome)
        return outcome
    }

    /// The wait of a rollover starts when every authoritative server serves the next hash
    /// (RFC 7671 §8.1): after the update, each NS of each published zone is asked directly
    /// (the gate's own `AuthorityCheck`) and the records all of them serve are recorded as
    /// seen now. Records some server does not serve yet are left for `rollover check`.
    static func recordFirstSeen(
        _ request: PublishRequest, records: [ResourceRecord], in zones: [ZonePublication], resolver: LazyResolver,
        clock: any Clock, into outcome: inout PublishOutcome
    ) {
        // Only rollovers wait: the TLSA owners of hosts that name a next key.
        guard let description = try? DescriptionLoader.load(path: request.file) else { return }
        let rolling = Set(description.hosts.filter { !$0.next.isEmpty }.map(\.endpoint.owner))
        let published = Set(zones.filter { $0.state == .applied || $0.state == .unchanged }.map(\.zone))
        let tlsa = records.filter { $0.type == .tlsa && published.contains($0.zone) && rolling.contains($0.owner) }
        guard !tlsa.isEmpty else { return }
        let lookup: any DNSLookup
        switch resolver.lookup {
        case .success(let found): lookup = found
        case .failure(let error):
            outcome.evidenceNotes.append(
                "first-seen times not recorded (\(error.diagnostics.map(\.message).joined(separator: "; "))); "
                    + "the first real-time `rollover check` records them")
            return
        }
        let (loaded, problem) = RolloverEvidence.load(path: request.state)
        if let problem {
            outcome.evidenceNotes.append("first-seen times not recorded: \(problem)")
            return
        }
        var evidence = loaded
        let now = clock.now()
        for (_, group) in Dictionary(grouping: tlsa, by: { [$0.zone.fqdn, $0.owner.fqdn] }).sorted(by: {
            $0.key.lexicographicallyPrecedes($1.key)
        }) {
            let zone = group[0].zone, owner = group[0].owner
            let wanted = group.compactMap { record -> TLSARecordData? in
                if case .tlsa(let data) = record.data { return data } else { return nil }
            }
            let authority = AuthorityCheck(lookup: lookup).check(zone, owner: owner, serving: wanted)
            if let failure = authority.failure {
                outcome.evidenceNotes.append(
                    "\(owner) TLSA: first-seen not recorded: " + failure.findings.map(\.message).joined(separator: "; ")
                )
            } else if let first = authority.missing.first ?? authority.serialDisagreement {
                outcome.evidenceNotes.append(
                    "\(owner) TLSA: first-seen not recorded yet: \(first.message); `rollover check` records it once every server serves it"
                )
            } else {
                evidence.sawPublished(owner: owner, wanted, at: now)
            }
        }
        if evidence != loaded {
            outcome.evidenceToWrite = EvidenceUpdate(path: request.state, text: evidence.encoded())
        }
    }

    /// The key proven: an UPDATE carrying no change, only the prerequisite that the zone's SOA
    /// exists, signed with the key. The server checks the TSIG before anything else (a wrong or
    /// unknown key is BADSIG/BADKEY: 77), and a server that takes no updates says so (NOTIMP,
    /// NOTAUTH: not the primary, 68). Nothing changes on the server.
    static func proveKey(zone: DNSName, key: TSIGKey, server: any PrimaryServer) -> Diagnostic? {
        let probe = UpdateMessage.keyCheck(zone: zone)
        do {
            return diagnose(try server.send(probe, key: key), zone: zone.fqdn, key: key, server: server)
        } catch {
            return .error(
                .unavailable("unavailable-update"),
                "\(server.address) did not answer a TSIG-signed check of key \(key.name) for \(zone.fqdn): \(error.description)"
            )
        }
    }

    /// What an UPDATE's answer means: nil when applied and signed with the key.
    static func diagnose(_ answer: UpdateAnswer, zone: String, key: TSIGKey, server: any PrimaryServer) -> Diagnostic? {
        // A refusal the key did not sign may come from anyone on the path: said, and still a failure.
        let unsigned = answer.signatureVerified ? "" : " (that answer was not signed with the key)"
        switch answer.result {
        case .applied where !answer.signatureVerified:
            return .error(
                .unavailable("unavailable-update-unverified"),
                "\(server.address) said NOERROR to the update of \(zone) but its answer's TSIG "
                    + "does not verify with key \(key.name): not trusting it; run publish again to see what is served")
        case .applied: return nil
        case .tsigRejected(let code):
            return .error(
                .noPermission("noperm-tsig-rejected"),
                "\(server.address) rejected the TSIG key \(key.name) (\(key.algorithm)) for \(zone): "
                    + tsigAdvice(code))
        case .refused:
            return .error(
                .refusedByPolicy("config-update-refused"),
                "\(server.address) REFUSED the update of \(zone): its policy does not let key \(key.name) "
                    + "update this zone (BIND: allow-update or update-policy; Knot: an acl with action: update and this key)"
                    + unsigned)
        case .notAuthoritative(let code):
            return .error(
                .notAuthoritative("nohost-not-authoritative"),
                "\(server.address) answered \(UpdateResult.name(ofCode: code)) for \(zone): it is not "
                    + "the zone's primary; send updates to the primary (the SOA's MNAME)" + unsigned)
        case .prerequisiteFailed(let code):
            return .error(
                .tryLater("later-changed-meanwhile"),
                "\(zone) changed on \(server.address) after publish read it (\(UpdateResult.name(ofCode: code)) "
                    + "on a prerequisite): nothing was applied; run publish again to plan from what is served now")
        case .failed(let code):
            return .error(
                .unavailable("unavailable-update-failed"),
                "\(server.address) answered \(UpdateResult.name(ofCode: code)) to the update of \(zone): nothing was applied"
            )
        }
    }

    static func readKey(_ path: String) throws(DiagnosticError) -> TSIGKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DiagnosticError(
                .error(.noInput("tsig-key-unreadable"), "cannot read the TSIG key file", at: .init(file: path)))
        }
        do { return try TSIGKey(text: String(decoding: data, as: UTF8.self)) } catch {
            throw DiagnosticError(
                .error(.badData("tsig-key-invalid"), error.message, at: .init(file: path, line: error.line)))
        }
    }

    /// What the server serves for the zone's owned RRsets, against what the description makes.
    static func plan(
        zone: DNSName, records: [ResourceRecord], server: any PrimaryServer
    ) throws(DiagnosticError) -> ZonePublication {
        let serial = try soaSerial(zone, server)
        let signed = try served(zone, .dnskey, server) != nil
        var changes: [RRsetChange] = []
        let groups = Dictionary(grouping: records, by: { RRsetKey(owner: $0.owner, type: $0.type) })
        for (key, wanted) in groups.sorted(by: { $0.key < $1.key }) {
            let live = try served(key.owner, key.type, server)
            if let change = RRsetChange.between(
                zone: zone, owner: key.owner, type: key.type, live: live,
                wanted: (ttl: wanted[0].ttl, records: wanted.map(\.data)))
            {
                changes.append(change)
            }
        }
        return ZonePublication(
            zone: zone, state: .planned, changes: changes, serialBefore: serial, signedByServer: signed)
    }

    /// What cannot work once published, said before anything is sent: an MX host of this zone
    /// the server has no address for (senders skip it), and TLSA records in a zone the server
    /// does not sign (senders ignore them: DANE needs the zone signed and its DS published).
    static func preflight(
        zone: DNSName, records: [ResourceRecord], mxHosts: [DNSName], signed: Bool,
        server: any PrimaryServer
    ) throws(DiagnosticError) -> [Diagnostic] {
        var warnings: [Diagnostic] = []
        for host in mxHosts where host.isSubdomain(of: zone) {
            var found = false
            for type in [RRType.a, .aaaa] where !found { found = try served(host, type, server) != nil }
            if !found {
                warnings.append(
                    .warning(
                        "publish-mx-no-address",
                        "\(server.address) serves no A or AAAA record for MX host \(host) in zone \(zone): "
                            + "senders skip a host they cannot connect to; add its address before (or with) the MX"))
            }
        }
        if records.contains(where: { $0.type == .tlsa }), !signed {
            warnings.append(
                .warning(
                    "publish-tlsa-unsigned-zone",
                    "zone \(zone) on \(server.address) has no DNSKEY: senders ignore TLSA records "
                        + "in an unsigned zone (danger: DANE is not in force); sign the zone and publish its DS at the parent"
                ))
        }
        return warnings
    }

    /// The validating resolver publish reads the DNS through, asked for at first use only.
    final class LazyResolver {
        private let request: PublishRequest
        private let world: World
        private var made: Result<any DNSLookup, DiagnosticError>?

        init(request: PublishRequest, world: World) {
            self.request = request
            self.world = world
        }

        var lookup: Result<any DNSLookup, DiagnosticError> {
            if let made { return made }
            let result: Result<any DNSLookup, DiagnosticError>
            do {
                result = .success(
                    try world.answeringLookup(
                        resolver: request.resolver, timeout: request.timeout,
                        purpose: "publish reads the DS at the parent and asks each name server"
                    ).lookup)
            } catch {
                result = .failure(error)
            }
            made = result
            return result
        }
    }

    struct RRsetKey: Hashable, Comparable {
        let owner: DNSName, type: RRType
        static func < (a: Self, b: Self) -> Bool {
            a.owner != b.owner ? a.owner < b.owner : a.type.rawValue < b.type.rawValue
        }
    }

    static func soaSerial(_ zone: DNSName, _ server: any PrimaryServer) throws(DiagnosticError) -> UInt32 {
        let response: DNSResponse
        do { response = try server.query(zone, .soa) } catch {
            throw DiagnosticError(
                .error(
                    .unavailable("unavailable-primary"),
                    "\(error.description) (is --server the zone's primary, and reachable?)"))
        }
        guard response.code == .noError, let soa = response.soa, soa.record.owner == zone else {
            throw DiagnosticError(
                .error(
                    .notAuthoritative("nohost-not-serving-zone"),
                    "\(server.address) does not serve zone \(zone.fqdn) (it answered \(describe(response.code)) without the zone's SOA); "
                        + "point --server at the zone's primary, or set the zone in the description"))
        }
        return soa.data.serial
    }

    /// The RRset as served (RRSIGs left out), nil when there is none.
    static func served(
        _ owner: DNSName, _ type: RRType, _ server: any PrimaryServer
    ) throws(DiagnosticError) -> (ttl: UInt32, records: [RecordData])? {
        let response: DNSResponse
        do { response = try server.query(owner, type) } catch {
            throw DiagnosticError(.error(.unavailable("unavailable-primary"), error.description))
        }
        switch response.code {
        case .nxDomain: return nil
        case .noError:
            // A CNAME at the owner: the server would ignore records added beside it (RFC 2136
            // §3.4.2.2, and answer NOERROR), so publishing there cannot work.
            if type != .cname, let alias = response.answer.first(where: { $0.owner == owner && $0.type == .cname }) {
                throw DiagnosticError(
                    .error(
                        .badData("publish-cname-at-owner"),
                        "\(server.address) serves a CNAME at \(owner) (to \(alias.data.presentation)): a \(type) record cannot sit beside it, and the server "
                            + "would ignore the update while answering NOERROR; remove the CNAME, or publish the \(type) at its target (RFC 7672 §2.2.2)"
                    ))
            }
            let records = response.answer.filter { $0.owner == owner && $0.type == type }
            if let bad = records.first(where: { if case .malformed = $0.data { true } else { false } }),
                case .malformed(let reason, _) = bad.data
            {
                throw DiagnosticError(
                    .error(
                        .unavailable("unavailable-primary-malformed"),
                        "\(server.address) served a malformed \(owner) \(type) record (\(reason)); not touching it"))
            }
            return records.isEmpty ? nil : (records[0].ttl, records.map(\.data))
        default:
            throw DiagnosticError(
                .error(
                    .unavailable("unavailable-primary-answer"),
                    "\(server.address) answered \(describe(response.code)) for \(owner) \(type); cannot read what it serves"
                ))
        }
    }

    static func describe(_ code: DNSResponse.Code) -> String {
        switch code {
        case .noError: "NOERROR"
        case .nxDomain: "NXDOMAIN"
        case .servFail: "SERVFAIL"
        case .refused: "REFUSED"
        case .other(let value): UpdateResult.name(ofCode: value)
        }
    }

    /// Sends the zone's UPDATE; on success waits (for a zone the server signs) until the change
    /// is served signed. Returns the diagnostic that stops the run, if any.
    static func apply(
        _ publication: inout ZonePublication, key: TSIGKey, server: any PrimaryServer, wait: TimeInterval,
        clock: any Clock, pause: (TimeInterval) -> Void
    ) -> Diagnostic? {
        let zone = publication.zone.fqdn
        let answer: UpdateAnswer
        do {
            answer = try server.send(UpdateMessage(zone: publication.zone, changes: publication.changes), key: key)
        } catch {
            publication.state = .failed
            publication.message = error.description
            return .error(
                .unavailable("unavailable-update"),
                "\(error.description); the update may or may not have been applied: run publish again (it re-reads first)"
            )
        }
        if let problem = diagnose(answer, zone: zone, key: key, server: server) {
            publication.state = .failed
            publication.message = problem.message
            return problem
        }
        publication.state = .applied
        // The change is in; wait until it is served (signed, when the server signs the zone).
        let deadline = clock.now().addingTimeInterval(wait)
        while true {
            if let serial = servedAsPlanned(publication, server: server) {
                publication.serialAfter = serial
                return nil
            }
            guard clock.now() < deadline else { break }
            pause(0.25)
        }
        if wait == 0 { return nil }
        let what = publication.signedByServer ? "served signed" : "served"
        publication.message = "applied, but not \(what) after \(Int(wait)) s"
        return .error(
            .tryLater("later-not-yet-served"),
            "the update of \(zone) was applied but is not \(what) by \(server.address) after \(Int(wait)) s "
                + "(is the server's signer running?); check again with `danectl publish --dry-run` before relying on it"
        )
    }

    /// The new SOA serial once every changed RRset is served as planned (with an RRSIG over
    /// it, when the server signs the zone); nil while it is not.
    static func servedAsPlanned(_ publication: ZonePublication, server: any PrimaryServer) -> UInt32? {
        for change in publication.changes {
            guard let response = try? server.query(change.owner, change.type) else { return nil }
            let live = Set(
                response.answer.filter { $0.owner == change.owner && $0.type == change.type }.map {
                    RecordComparison.key($0.data)
                })
            let wanted = Set(change.new.map(RecordComparison.key))
            guard live == wanted else { return nil }
            if publication.signedByServer && !wanted.isEmpty
                && !response.signatures.contains(where: { $0.typeCovered == change.type })
            {
                return nil
            }
        }
        guard let response = try? server.query(publication.zone, .soa), let soa = response.soa else { return nil }
        if publication.signedByServer && !response.signatures.contains(where: { $0.typeCovered == .soa }) { return nil }
        return soa.data.serial
    }

    static func tsigAdvice(_ code: Int) -> String {
        switch code {
        case 16:
            "BADSIG: the secret does not match the server's key of that name; copy the key file again from the server"
        case 17:
            "BADKEY: the server has no key of that name and algorithm, or (Knot) none it allows for this zone; check the key and the zone's acl"
        case 18:
            "BADTIME: this machine's clock and the server's differ by more than the 5 minutes allowed; fix NTP on one of them"
        default: "\(UpdateResult.name(ofCode: code)): check the key file against the server's configuration"
        }
    }
}
