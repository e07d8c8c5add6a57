import DaneModel
import FoundationEssentials

/// The DNS half of checking one MX host: its addresses and TLSA records with their DNSSEC
/// status, as a sender resolves them (RFC 7672 §2.2), and each live TLSA record judged.
extension Verifier {
    /// Unchecked Sendable: filled by the domain's thread before probing, read (not written)
    /// by its probe threads, and given their reports only after they have all joined.
    final class HostPlan: @unchecked Sendable {
        var endpoint = TLSAEndpoint(host: DNSName(labels: [])), preference = 0, addressStatus = DNSSECStatus.failed
        var tlsaStatus: DNSSECStatus?
        var host: String { endpoint.host.fqdn }
        /// The TLSA base once TLSA records were looked up (RFC 7672 §2.2.2).
        var tlsaBase: String? { tlsaStatus == nil ? nil : endpoint.base.fqdn }
        var tlsa: [LiveTLSARecord] = [], usable: [TLSARecordData] = []
        var addresses: [String] = [], reports: [AddressReport] = []
        var failure: SenderFailure?, detail: String?
        var chainBreak: ChainBreak?
        var nameServers: [VerifyFinding] = []
        var absence: NameAbsence?
        var expiring: [ExpiringSignature] = []

        var daneInForce: Bool { tlsaStatus == .secure && !usable.isEmpty }
        var report: HostReport {
            var made = HostReport(
                host: host, preference: preference, addressStatus: addressStatus, tlsaBase: tlsaBase,
                tlsaOwner: tlsaStatus == nil ? nil : endpoint.owner.fqdn, tlsaStatus: tlsaStatus,
                tlsa: tlsa, addresses: reports.sorted { $0.address < $1.address }, failure: failure, detail: detail)
            made.chainBreak = chainBreak
            made.nameServers = nameServers
            made.absence = absence
            return made
        }
    }

    func planHost(_ host: DNSName, _ preference: Int, mxSecure: Bool, warnings: inout [VerifyFinding]) -> HostPlan {
        let plan = HostPlan()
        plan.endpoint = TLSAEndpoint(host: host, port: options.port)
        plan.preference = preference
        let v4 = lookup.lookup(host, .a), v6 = lookup.lookup(host, .aaaa)
        let statuses = [v4.status, v6.status]
        plan.addressStatus =
            statuses.contains(.bogus)
            ? .bogus
            : statuses.contains(.failed)
                ? .failed
                : statuses.allSatisfy { $0 == .secure } ? .secure : .insecure
        if plan.addressStatus == .bogus {
            plan.failure = .dnssecInvalid
            plan.detail = [v4, v6].compactMap(\.problem).first
            plan.chainBreak = ChainDiagnosis(lookup: lookup, now: now).diagnose(host, v4.status == .bogus ? .a : .aaaa)
            if plan.chainBreak == nil { plan.nameServers = NameServerSurvey(lookup: lookup).survey(host, .a) }
            return plan
        }
        plan.addresses = (v4.response?.addresses ?? []) + (v6.response?.addresses ?? [])
        // Senders try a few addresses per host, not all (Postfix: smtp_mx_address_limit = 5):
        // so does verify, which also bounds a hostile host's thousand silent addresses.
        if plan.addresses.count > options.addressLimit {
            warnings.append(
                .init(
                    .addressLimit,
                    "\(host) has \(plan.addresses.count) addresses; like a sender, verify tried only the first \(options.addressLimit)"
                ))
            plan.addresses = Array(plan.addresses.prefix(options.addressLimit))
        }
        if plan.addressStatus == .failed && plan.addresses.isEmpty {
            plan.failure = .dnsQueryFailed
            plan.detail = [v4, v6].compactMap(\.problem).first
            plan.nameServers = NameServerSurvey(lookup: lookup).survey(host, .a)
            return plan
        }
        if plan.addresses.isEmpty {
            plan.failure = .dnsQueryFailed
            plan.detail = "\(host) has no A or AAAA records"
            plan.absence = .noAddress
            return plan
        }
        plan.expiring += expiringSignatures(v4.response, what: "the address records of \(host)")

        // RFC 7672 §2.2.2: TLSA only when the address records are secure; with a secure CNAME
        // chain, first at the expanded name, then at the original.
        guard mxSecure, plan.addressStatus == .secure else {
            // Senders do not look TLSA up here; verify does, only to say what signing would do.
            if plan.addressStatus == .insecure || !mxSecure {
                let answer = lookup.lookup(plan.endpoint.owner, .tlsa)
                let records = answer.status == .insecure ? answer.response?.records(ofType: .tlsa) ?? [] : []
                if !records.isEmpty {
                    plan.tlsaStatus = .insecure
                    for record in records {
                        let live = Self.classify(record)
                        plan.tlsa.append(live)
                        if live.usable, case .tlsa(let data) = record.data { plan.usable.append(data) }
                    }
                }
            }
            return plan
        }
        let chain = DNSResponse(
            code: .noError, authenticated: true, answer: (v4.response?.answer ?? []) + (v6.response?.answer ?? []))
        guard let expanded = chain.cnameTarget(from: host) else {
            plan.failure = .dnsQueryFailed
            plan.detail = "the CNAME chain from \(host) is longer than 8 names or loops; senders give up on it"
            return plan
        }
        let endpoint = plan.endpoint.with(base: expanded)
        for owner in endpoint.candidateOwners {
            let answer = lookup.lookup(owner, .tlsa)
            plan.endpoint = owner == endpoint.owner ? endpoint : TLSAEndpoint(host: host, port: options.port)
            plan.tlsaStatus = answer.status
            switch answer.status {
            case .bogus:
                plan.failure = .dnssecInvalid
                plan.detail = answer.problem
                plan.chainBreak = ChainDiagnosis(lookup: lookup, now: now).diagnose(owner, .tlsa)
                if plan.chainBreak == nil { plan.nameServers = NameServerSurvey(lookup: lookup).survey(owner, .tlsa) }
                return plan
            case .failed:
                plan.failure = .dnsQueryFailed
                plan.detail = answer.problem
                plan.nameServers = NameServerSurvey(lookup: lookup).survey(owner, .tlsa)
                return plan
            case .insecure:
                // Unsigned: senders ignore these records, but they say what signing would do.
                for record in answer.response?.records(ofType: .tlsa) ?? [] {
                    let live = Self.classify(record)
                    plan.tlsa.append(live)
                    if live.usable, case .tlsa(let data) = record.data { plan.usable.append(data) }
                }
                return plan
            case .secure:
                let records = (answer.response?.records(ofType: .tlsa) ?? [])
                if records.isEmpty { continue }
                plan.expiring += expiringSignatures(answer.response, what: "the TLSA records at \(owner)")
                for record in records {
                    let live = Self.classify(record)
                    plan.tlsa.append(live)
                    if live.usable, case .tlsa(let data) = record.data { plan.usable.append(data) }
                }
                return plan
            }
        }
        return plan
    }

    /// One live TLSA record, judged by the same RFC 7672 rule `generate` uses.
    static func classify(_ record: DNSRecord) -> LiveTLSARecord {
        guard case .tlsa(let data) = record.data else {
            let reason = if case .malformed(let why, _) = record.data { why } else { "not TLSA data" }
            return LiveTLSARecord(
                owner: record.owner.fqdn, data: record.data, usable: false, reason: "malformed TLSA record: \(reason)")
        }
        if case .unusable(let reason) = SMTPUsability.verdict(for: data) {
            return LiveTLSARecord(owner: record.owner.fqdn, data: .tlsa(data), usable: false, reason: reason)
        }
        return LiveTLSARecord(owner: record.owner.fqdn, data: .tlsa(data), usable: true, reason: nil)
    }
}
