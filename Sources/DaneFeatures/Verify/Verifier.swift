import DaneModel
import Foundation
import LDNSKit
import OpenSSLKit

/// `verify`: checks a live domain the way a DANE-enforcing sender does (RFC 7672 §2-3):
/// MX with DNSSEC, then each host's addresses and TLSA records, then STARTTLS and the DANE
/// handshake on every address, probes running side by side.
public struct Verifier: Sendable {
    public struct Options: Sendable {
        public var profile: SenderProfile = .rfc7672
        /// Deadline for each probe (connect, SMTP dialogue and TLS handshake together).
        public var timeout: TimeInterval = 20
        public var warnDays: Int = 14
        public var port: UInt16 = 25
        public var concurrency: Int = 16
        public var now: Date = Date()

        public init() {}
    }

    public let lookup: SecureLookup
    public let options: Options

    public init(lookup: SecureLookup, options: Options) {
        self.lookup = lookup
        self.options = options
    }

    /// Several domains, up to eight at a time (each one's probes run side by side too).
    public func verify(domains: [String]) -> [DomainReport] {
        ProbeRunner(limit: 8).run(domains.count) { self.verify(domain: domains[$0]) }
    }

    public func verify(domain rawDomain: String) -> DomainReport {
        let domain = rawDomain.hasSuffix(".") ? rawDomain.lowercased() : rawDomain.lowercased() + "."
        var warnings: [String] = []
        let mx = lookup.lookup(domain, "MX")
        func report(_ hosts: [HostReport], _ failure: SenderFailure? = nil, _ detail: String? = nil, implicit: Bool = false) -> DomainReport {
            DomainReport(domain: domain, profile: options.profile, mxStatus: mx.status, implicitMX: implicit, hosts: hosts,
                         failure: failure, detail: detail, warnings: warnings)
        }
        switch mx.status {
        case .bogus: return report([], .dnssecInvalid, mx.problem)
        case .failed: return report([], .dnsQueryFailed, mx.problem)
        default: break
        }
        if mx.response?.code == .nxDomain {
            return report([], .dnsQueryFailed, "\(domain) does not exist (NXDOMAIN)\(mx.status == .secure ? ", proven by DNSSEC" : "")")
        }
        warnings += signatureWarnings(mx.response, what: "the MX records of \(domain)")
        var targets: [(host: String, preference: Int)] = (mx.response?.records(ofType: "MX") ?? []).compactMap { record in
            guard record.fields.count == 2, let preference = Int(record.fields[0]) else { return nil }
            return (record.fields[1].lowercased(), preference)
        }
        let implicit = targets.isEmpty
        if implicit { targets = [(domain, 0)] }  // RFC 5321 §5.1: no MX means the domain itself
        if targets.count == 1, targets[0].host == "." {
            return report([], nil, "\(domain) publishes a null MX (RFC 7505): it accepts no mail", implicit: false)
        }
        targets.sort { ($0.preference, $0.host) < ($1.preference, $1.host) }
        if mx.status == .insecure {
            warnings.append("the MX records of \(domain) are not DNSSEC-signed, so senders never use DANE for this domain; sign the zone and publish its DS")
        }

        // DNS first (fast, sequential), then every probe side by side.
        let plans = targets.map { planHost($0.host, $0.preference, mxSecure: mx.status == .secure, warnings: &warnings) }
        let jobs = plans.enumerated().flatMap { index, plan in plan.addresses.map { (index, $0) } }
        let results = ProbeRunner(limit: options.concurrency).run(jobs.count) { i in
            let (index, address) = jobs[i]
            return self.probe(address, plans[index])
        }
        for (i, job) in jobs.enumerated() { plans[job.0].reports.append(results[i]) }
        warnings += pathSignatureWarnings(for: [domain] + plans.map(\.host) + plans.compactMap { $0.tlsaBase.map { "_\(options.port)._tcp.\($0)" } })
        var seen = Set<String>()
        warnings = warnings.filter { seen.insert($0).inserted }
        return report(plans.map(\.report), nil, nil, implicit: implicit)
    }

    // MARK: - DNS for one host

    final class HostPlan: @unchecked Sendable {
        var host = "", preference = 0, addressStatus = DNSSECStatus.failed
        var tlsaBase: String?, tlsaStatus: DNSSECStatus?
        var tlsa: [LiveTLSARecord] = [], usable: [DANERecord] = []
        var addresses: [String] = [], reports: [AddressReport] = []
        var failure: SenderFailure?, detail: String?

        var daneInForce: Bool { tlsaStatus == .secure && !usable.isEmpty }
        var report: HostReport {
            HostReport(host: host, preference: preference, addressStatus: addressStatus, tlsaBase: tlsaBase, tlsaStatus: tlsaStatus,
                       tlsa: tlsa, addresses: reports.sorted { $0.address < $1.address }, failure: failure, detail: detail)
        }
    }

    func planHost(_ host: String, _ preference: Int, mxSecure: Bool, warnings: inout [String]) -> HostPlan {
        let plan = HostPlan()
        plan.host = host
        plan.preference = preference
        let v4 = lookup.lookup(host, "A"), v6 = lookup.lookup(host, "AAAA")
        let statuses = [v4.status, v6.status]
        plan.addressStatus = statuses.contains(.bogus) ? .bogus : statuses.contains(.failed) ? .failed
            : statuses.allSatisfy { $0 == .secure } ? .secure : .insecure
        if plan.addressStatus == .bogus {
            plan.failure = .dnssecInvalid
            plan.detail = [v4, v6].compactMap(\.problem).first
            return plan
        }
        plan.addresses = (v4.response?.records(ofType: "A") ?? []).map { $0.fields[0] }
            + (v6.response?.records(ofType: "AAAA") ?? []).map { $0.fields[0] }
        if plan.addressStatus == .failed && plan.addresses.isEmpty {
            plan.failure = .dnsQueryFailed
            plan.detail = [v4, v6].compactMap(\.problem).first
            return plan
        }
        if plan.addresses.isEmpty {
            plan.failure = .dnsQueryFailed
            plan.detail = "\(host) has no A or AAAA records"
            return plan
        }
        warnings += signatureWarnings(v4.response, what: "the address records of \(host)")

        // RFC 7672 §2.2.2: TLSA only when the address records are secure; with a secure CNAME
        // chain, first at the expanded name, then at the original.
        guard mxSecure, plan.addressStatus == .secure else { return plan }
        let expanded = Self.expand(host, through: (v4.response?.answer ?? []) + (v6.response?.answer ?? []))
        for base in expanded == host ? [host] : [expanded, host] {
            let owner = "_\(options.port)._tcp.\(base)"
            let answer = lookup.lookup(owner, "TLSA")
            plan.tlsaBase = base
            plan.tlsaStatus = answer.status
            switch answer.status {
            case .bogus:
                plan.failure = .dnssecInvalid
                plan.detail = answer.problem
                return plan
            case .failed:
                plan.failure = .dnsQueryFailed
                plan.detail = answer.problem
                return plan
            case .insecure:
                return plan
            case .secure:
                let records = answer.response?.records(ofType: "TLSA") ?? []
                if records.isEmpty { continue }
                warnings += signatureWarnings(answer.response, what: "the TLSA records at \(owner)")
                for record in records {
                    let (live, usable) = Self.classify(record)
                    plan.tlsa.append(live)
                    if let usable { plan.usable.append(usable) }
                }
                return plan
            }
        }
        return plan
    }

    /// Follows CNAMEs in an answer from `name` to the name that holds the addresses.
    static func expand(_ name: String, through answer: [DNSRecord]) -> String {
        var current = name
        for _ in 0..<8 {
            guard let next = answer.first(where: { $0.type == "CNAME" && $0.owner == current })?.fields.first?.lowercased() else { break }
            current = next
        }
        return current
    }

    /// One live TLSA record, judged by the same RFC 7672 rule `generate` uses.
    static func classify(_ record: DNSRecord) -> (LiveTLSARecord, DANERecord?) {
        let rdata = record.fields.joined(separator: " ")
        guard record.fields.count >= 4, let u = UInt8(record.fields[0]), let s = UInt8(record.fields[1]), let m = UInt8(record.fields[2]),
              let data = Self.bytes(hex: record.fields[3...].joined()) else {
            return (LiveTLSARecord(owner: record.owner, rdata: rdata, usable: false, reason: "malformed TLSA record"), nil)
        }
        let parameters = TLSAParameters(CertificateUsage(rawValue: u), TLSASelector(rawValue: s), TLSAMatchingType(rawValue: m))
        if case .unusable(let reason) = SMTPUsability.verdict(for: parameters) {
            return (LiveTLSARecord(owner: record.owner, rdata: rdata, usable: false, reason: reason), nil)
        }
        let expectedLength = m == 1 ? 32 : m == 2 ? 64 : nil
        if let expectedLength, data.count != expectedLength {
            return (LiveTLSARecord(owner: record.owner, rdata: rdata, usable: false,
                                   reason: "the digest is \(data.count) bytes; matching type \(m) needs \(expectedLength)"), nil)
        }
        return (LiveTLSARecord(owner: record.owner, rdata: rdata, usable: true, reason: nil),
                DANERecord(usage: u, selector: s, matchingType: m, data: data))
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0, !digits.isEmpty else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let byte = UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
            i += 2
        }
        return out
    }

    /// Signatures further up the validation path: each zone cut's DNSKEY and DS RRsets, from
    /// the names checked up to the root. A lapse anywhere there turns the answers bogus.
    func pathSignatureWarnings(for names: [String]) -> [String] {
        var checked = Set<String>()
        var warnings: [String] = []
        for name in names {
            var labels = name.split(separator: ".").map(String.init)
            while true {
                let apex = labels.isEmpty ? "." : labels.joined(separator: ".") + "."
                if checked.insert(apex).inserted {
                    let dnskey = lookup.lookup(apex, "DNSKEY")
                    if dnskey.status == .secure, !(dnskey.response?.records(ofType: "DNSKEY").isEmpty ?? true) {
                        warnings += signatureWarnings(dnskey.response, what: "the DNSKEY records of \(apex)")
                        if apex != "." {
                            warnings += signatureWarnings(lookup.lookup(apex, "DS").response, what: "the DS records of \(apex) in its parent")
                        }
                    }
                }
                if labels.isEmpty { break }
                labels.removeFirst()
            }
        }
        return warnings
    }

    /// Warns when an RRSIG over an answer expires within --warn-days.
    func signatureWarnings(_ response: DNSResponse?, what: String) -> [String] {
        guard let response else { return [] }
        let limit = options.now.addingTimeInterval(TimeInterval(options.warnDays) * 86_400)
        return response.records(ofType: "RRSIG").compactMap { rrsig in
            guard rrsig.fields.count > 4, let expiry = Self.rrsigTime(rrsig.fields[4]), expiry < limit else { return nil }
            let who = what.hasPrefix("the DS records") ? "the parent zone must be re-signed" : "re-sign the zone"
            return "the signature over \(what) expires on \(Self.format(expiry)); \(who) before then"
        }
    }

    static func rrsigTime(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss"
        return formatter.date(from: text)
    }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }
}
