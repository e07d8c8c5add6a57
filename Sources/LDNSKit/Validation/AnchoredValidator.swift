internal import CLDNS
import DaneModel
import FoundationEssentials
import Glibc
import PlainText
import ThreadKit

/// Validates answers itself, from a trust anchor (DS or DNSKEY records), instead of trusting
/// a resolver's AD bit: every query goes out with CD set, positive answers are checked with
/// ldns along the chain of trust, denials with their NSEC/NSEC3 proofs, and unsigned data is
/// called insecure only when a signed proof shows no DS at a zone cut above it.
/// Unchecked Sendable: every use of the ldns resolver and its anchors takes `lock`.
public final class AnchoredValidator: @unchecked Sendable {
    public enum Status: Sendable { case secure, insecure, bogus, failed }

    private let resolver: UnsafeMutablePointer<ldns_resolver>
    private let lock = Lock()
    public let address: String

    public convenience init(address: String?, anchorFile: String, timeout: TimeInterval) throws(ResolverError) {
        guard let text = try? String(contentsOfFile: anchorFile, encoding: .utf8) else {
            throw ResolverError(description: "cannot read the trust anchor file \(anchorFile)")
        }
        try self.init(address: address, anchors: text, source: anchorFile, timeout: timeout)
    }

    /// `anchors`: DS or DNSKEY records in presentation form, one per line; `source` names them in errors.
    public init(
        address: String?, anchors text: String, source anchorFile: String, timeout: TimeInterval
    ) throws(ResolverError) {
        (resolver, self.address) = try StubResolver.make(address: address, timeout: timeout)
        var anchors = 0
        for line in text.split(separator: "\n")
        where !line.hasPrefix(";") && !line.trimmed().isEmpty {
            var rr: RRPointer?
            guard ldns_rr_new_frm_str(&rr, String(line), 3600, nil, nil) == LDNS_STATUS_OK, let rr else { continue }
            let type = ldns_rr_get_type(rr)
            if type == LDNS_RR_TYPE_DS || type == LDNS_RR_TYPE_DNSKEY {
                _ = ldns_resolver_push_dnssec_anchor(resolver, rr)
                anchors += 1
            }
            ldns_rr_free(rr)
        }
        guard anchors > 0 else {
            // The object is whole by now: deinit frees the resolver (freeing here too crashed).
            throw ResolverError(description: "\(anchorFile) holds no DS or DNSKEY record to use as a trust anchor")
        }
        // Every query asks for unchecked data: validation happens here, not at the resolver.
        ldns_resolver_set_dnssec_cd(resolver, 1)
    }

    deinit { ldns_resolver_deep_free(resolver) }

    /// The DS and DNSKEY records of a trust anchor text, as model values (read by ldns, like
    /// the anchors the validator itself uses), for naming which anchor a chain misses.
    public static func anchorRecords(_ text: String) -> [DNSRecord] {
        text.split(separator: "\n").compactMap { line -> DNSRecord? in
            guard !line.hasPrefix(";") else { return nil }
            var rr: RRPointer?
            guard ldns_rr_new_frm_str(&rr, String(line), 3600, nil, nil) == LDNS_STATUS_OK, let rr else { return nil }
            defer { ldns_rr_free(rr) }
            let type = ldns_rr_get_type(rr)
            return type == LDNS_RR_TYPE_DS || type == LDNS_RR_TYPE_DNSKEY ? DNSRecord(rr) : nil
        }
    }

    public func lookup(_ qname: DNSName, _ qtype: RRType) -> (Status, DNSResponse?, String?) {
        lock.lock()
        defer { lock.unlock() }
        let name = qname.fqdn, type = qtype.description
        let rrType = ldns_rr_type(rawValue: UInt32(qtype.rawValue))
        guard let packet = query(name, rrType) else {
            return (.failed, nil, "\(address) did not answer \(name) \(type)")
        }
        defer { ldns_pkt_free(packet) }
        let response = DNSResponse(packet: packet, authenticated: false)
        let rcode = Int(ldns_pkt_get_rcode(packet).rawValue)
        guard rcode == 0 || rcode == 3 else { return (.failed, response, "\(name) \(type): response code \(rcode)") }

        let answer = ldns_pkt_answer(packet)
        let count = answer.map { ldns_rr_list_rr_count($0) } ?? 0
        // Signatures prove who signed the data, not that it answers this question.
        if let stray = response.recordNotAnswering(qname, qtype) {
            return (
                .bogus, DNSResponse(code: response.code, authenticated: false, answer: response.answer),
                "the answer to \(name) \(type) holds \(stray.owner) \(stray.type), which does not answer it (a forged or misdirected answer)"
            )
        }
        var status = Status.secure
        var problem: String?
        if count > 0, let answer {
            for (rrset, signatures) in Self.rrsets(answer) {
                defer { ldns_rr_list_free(rrset); ldns_rr_list_free(signatures) }
                let owner = takeString(ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(rrset, 0))))
                let verdict = checkSigned(rrset, signatures, owner: owner)
                if verdict == .bogus { problem = "\(owner) \(type) does not validate from the trust anchor" }
                status = Self.worse(status, verdict)
            }
        } else if Self.isReferral(packet) {
            return (
                .failed, response,
                "\(address) answered \(name) \(type) with a referral; --resolver must be a recursive resolver"
            )
        } else {
            let verdict = checkDenial(packet, name, rrType, rcode: rcode)
            if verdict == .bogus { problem = "the denial of \(name) \(type) does not validate from the trust anchor" }
            status = verdict
        }
        return (
            status, DNSResponse(code: response.code, authenticated: status == .secure, answer: response.answer), problem
        )
    }

    // MARK: - Positive answers

    func checkSigned(
        _ rrset: UnsafeMutablePointer<ldns_rr_list>, _ signatures: UnsafeMutablePointer<ldns_rr_list>, owner: String
    ) -> Status {
        if ldns_rr_list_rr_count(signatures) > 0,
            ldns_verify_trusted(resolver, rrset, signatures, nil) == LDNS_STATUS_OK
        {
            return .secure
        }
        return insecurityProven(below: owner) ? .insecure : .bogus
    }

    // MARK: - Denials

    /// `fallback`: when the proof is missing, ask whether the name sits under a proven-insecure
    /// cut (off while already proving one, which would loop).
    func checkDenial(
        _ packet: UnsafeMutablePointer<ldns_pkt>, _ name: String, _ type: ldns_rr_type, rcode: Int,
        fallback: Bool = true
    ) -> Status {
        let nsec = ldns_pkt_rr_list_by_type(packet, LDNS_RR_TYPE_NSEC, LDNS_SECTION_AUTHORITY)
        let nsec3 = ldns_pkt_rr_list_by_type(packet, LDNS_RR_TYPE_NSEC3, LDNS_SECTION_AUTHORITY)
        let sigs = ldns_pkt_rr_list_by_type(packet, LDNS_RR_TYPE_RRSIG, LDNS_SECTION_AUTHORITY)
        defer {
            if let nsec { ldns_rr_list_deep_free(nsec) }
            if let nsec3 { ldns_rr_list_deep_free(nsec3) }
            if let sigs { ldns_rr_list_deep_free(sigs) }
        }
        let proofs = nsec ?? nsec3
        guard let proofs, ldns_rr_list_rr_count(proofs) > 0, let sigs else {
            return fallback && insecurityProven(below: name) ? .insecure : .bogus
        }
        // Each NSEC(3) record must itself validate...
        for i in 0..<ldns_rr_list_rr_count(proofs) {
            let record = ldns_rr_list_rr(proofs, i)!
            let single = ldns_rr_list_new()!
            defer { ldns_rr_list_free(single) }
            ldns_rr_list_push_rr(single, record)
            let covering = Self.signatures(sigs, covering: ldns_rr_get_type(record), owner: ldns_rr_owner(record))
            defer { ldns_rr_list_free(covering) }
            guard ldns_verify_trusted(resolver, single, covering, nil) == LDNS_STATUS_OK else {
                return fallback && insecurityProven(below: name) ? .insecure : .bogus
            }
        }
        // ...signed by a zone that holds the name: another zone's valid proof denies nothing here
        // (RFC 4035 §5.4), and a zone above a secure delegation on the way down is not the one
        // that answers for the name...
        guard Self.signersHold(name, sigs), !secureDelegationBelowSigner(name, sigs) else { return .bogus }
        // ...and together they must deny exactly this name and type.
        guard let owner = ldns_dname_new_frm_str(name), let question = ldns_rr_new() else { return .bogus }
        ldns_rr_set_owner(question, owner)
        ldns_rr_set_type(question, type)
        defer { ldns_rr_free(question) }
        let denied =
            nsec != nil
            ? ldns_dnssec_verify_denial(question, proofs, sigs)
            : ldns_dnssec_verify_denial_nsec3(
                question, proofs, sigs, ldns_pkt_rcode(UInt32(rcode)), type, rcode == 0 ? 1 : 0)
        return denied == LDNS_STATUS_OK ? .secure : .bogus
    }

    /// Every signer of the proof is `name` or one of its ancestors.
    static func signersHold(_ name: String, _ sigs: UnsafeMutablePointer<ldns_rr_list>) -> Bool {
        guard let asked = DNSName(presentation: name) else { return false }
        let count = ldns_rr_list_rr_count(sigs)
        guard count > 0 else { return false }
        for i in 0..<count {
            guard let rrsig = ldns_rr_list_rr(sigs, i), let signer = ldns_rr_rrsig_signame(rrsig),
                let zone = DNSName(presentation: takeString(ldns_rdf2str(signer)))
            else { return false }
            if !(asked == zone || asked.isSubdomain(of: zone)) { return false }
        }
        return true
    }

    /// True when, between the proof's signer and `name`, a child zone has a DS that validates: the
    /// name then belongs to that child, whose own answer alone can deny it.
    func secureDelegationBelowSigner(_ name: String, _ sigs: UnsafeMutablePointer<ldns_rr_list>) -> Bool {
        guard let asked = DNSName(presentation: name), ldns_rr_list_rr_count(sigs) > 0,
            let rrsig = ldns_rr_list_rr(sigs, 0),
            let signerRDF = ldns_rr_rrsig_signame(rrsig),
            let signer = DNSName(presentation: takeString(ldns_rdf2str(signerRDF))),
            asked.labels.count > signer.labels.count
        else { return false }
        let child = DNSName(labels: Array(asked.labels.suffix(signer.labels.count + 1)))
        guard let packet = query(child.fqdn, LDNS_RR_TYPE_DS) else { return false }
        defer { ldns_pkt_free(packet) }
        guard let answer = ldns_pkt_answer(packet), ldns_rr_list_rr_count(answer) > 0 else { return false }
        for (rrset, signatures) in Self.rrsets(answer) {
            defer { ldns_rr_list_free(rrset); ldns_rr_list_free(signatures) }
            if ldns_rr_get_type(ldns_rr_list_rr(rrset, 0)) == LDNS_RR_TYPE_DS,
                checkSigned(rrset, signatures, owner: child.fqdn) == .secure
            {
                return true
            }
        }
        return false
    }

    /// True when some zone cut at or above `name` is proven (by a validated denial) to have no
    /// DS record: data below it is unsigned by design, not stripped.
    func insecurityProven(below name: String) -> Bool {
        var labels = name.split(separator: ".").map(String.init)
        while !labels.isEmpty {
            let cut = labels.joined(separator: ".") + "."
            labels.removeFirst()
            guard let packet = query(cut, LDNS_RR_TYPE_DS) else { return false }
            defer { ldns_pkt_free(packet) }
            if let ds = ldns_pkt_rr_list_by_type(packet, LDNS_RR_TYPE_DS, LDNS_SECTION_ANSWER) {
                // A DS exists: the zone below is signed (whether or not it validates).
                ldns_rr_list_deep_free(ds)
                return false
            }
            let rcode = Int(ldns_pkt_get_rcode(packet).rawValue)
            if rcode == 0, checkDenial(packet, cut, LDNS_RR_TYPE_DS, rcode: rcode, fallback: false) == .secure,
                Self.provesUnsignedDelegation(packet, cut)
            {
                return true
            }
        }
        return false
    }

    /// RFC 4035 §5.2: a secure denial of DS proves an insecure delegation only when the NSEC
    /// at the name shows NS and not DS (or, with NSEC3, the matching record does, or an
    /// opt-out record covers the name). A denial of DS at a name that is no delegation (an
    /// ordinary owner with its RRSIGs stripped) proves nothing of the sort.
    static func provesUnsignedDelegation(_ packet: UnsafeMutablePointer<ldns_pkt>, _ cut: String) -> Bool {
        guard let name = ldns_dname_new_frm_str(cut) else { return false }
        defer { ldns_rdf_deep_free(name) }
        func delegationBitmap(_ bitmap: UnsafeMutablePointer<ldns_rdf>?) -> Bool {
            guard let bitmap else { return false }
            func has(_ type: ldns_rr_type) -> Bool { ldns_nsec_bitmap_covers_type(bitmap, type) != 0 }
            return has(LDNS_RR_TYPE_NS) && !has(LDNS_RR_TYPE_DS) && !has(LDNS_RR_TYPE_SOA)
        }
        if let nsec = ldns_pkt_rr_list_by_type(packet, LDNS_RR_TYPE_NSEC, LDNS_SECTION_AUTHORITY) {
            defer { ldns_rr_list_deep_free(nsec) }
            for i in 0..<ldns_rr_list_rr_count(nsec) {
                let record = ldns_rr_list_rr(nsec, i)!
                if ldns_dname_compare(ldns_rr_owner(record), name) == 0 {
                    return delegationBitmap(ldns_rr_rdf(record, 1))
                }
            }
            return false
        }
        guard let nsec3 = ldns_pkt_rr_list_by_type(packet, LDNS_RR_TYPE_NSEC3, LDNS_SECTION_AUTHORITY) else {
            return false
        }
        defer { ldns_rr_list_deep_free(nsec3) }
        var optOut = false
        for i in 0..<ldns_rr_list_rr_count(nsec3) {
            let record = ldns_rr_list_rr(nsec3, i)!
            optOut = optOut || ldns_nsec3_optout(record) != 0
            let salt = ldns_nsec3_salt_data(record)  // a copy ldns allocates
            defer { free(salt) }
            guard
                let hashed = ldns_nsec3_hash_name(
                    name, ldns_nsec3_algorithm(record), ldns_nsec3_iterations(record),
                    ldns_nsec3_salt_length(record), salt)
            else { continue }
            defer { ldns_rdf_deep_free(hashed) }
            guard let label = ldns_dname_label(ldns_rr_owner(record), 0) else { continue }
            defer { ldns_rdf_deep_free(label) }
            if ldns_dname_compare(label, hashed) == 0 {
                let bitmap = ldns_nsec3_bitmap(record)
                return delegationBitmap(bitmap)
            }
        }
        return optOut
    }

    // MARK: - Helpers

    func query(_ name: String, _ type: ldns_rr_type) -> UnsafeMutablePointer<ldns_pkt>? {
        guard let owner = ldns_dname_new_frm_str(name) else { return nil }
        defer { ldns_rdf_deep_free(owner) }
        // An answer to another question (wrong ID or question) counts as no answer.
        if case .success(let packet) = MatchedExchange.ask(
            resolver, owner, type, flags: UInt16(LDNS_RD) | UInt16(LDNS_CD))
        {
            return packet
        }
        return nil
    }

    /// The answer's RRsets (not RRSIG), each with the signatures that cover it.
    static func rrsets(
        _ answer: UnsafeMutablePointer<ldns_rr_list>
    ) -> [(UnsafeMutablePointer<ldns_rr_list>, UnsafeMutablePointer<ldns_rr_list>)] {
        var out: [(UnsafeMutablePointer<ldns_rr_list>, UnsafeMutablePointer<ldns_rr_list>)] = []
        var seen: [(ldns_rr_type, String)] = []
        let signatures = ldns_rr_list_new()!
        defer { ldns_rr_list_free(signatures) }
        for i in 0..<ldns_rr_list_rr_count(answer)
        where ldns_rr_get_type(ldns_rr_list_rr(answer, i)) == LDNS_RR_TYPE_RRSIG {
            ldns_rr_list_push_rr(signatures, ldns_rr_list_rr(answer, i))
        }
        for i in 0..<ldns_rr_list_rr_count(answer) {
            let rr = ldns_rr_list_rr(answer, i)!
            let type = ldns_rr_get_type(rr)
            let owner = takeString(ldns_rdf2str(ldns_rr_owner(rr))).lowercased()
            guard type != LDNS_RR_TYPE_RRSIG, !seen.contains(where: { $0.0 == type && $0.1 == owner }) else { continue }
            seen.append((type, owner))
            let set = ldns_rr_list_new()!
            for j in i..<ldns_rr_list_rr_count(answer) {
                let other = ldns_rr_list_rr(answer, j)!
                if ldns_rr_get_type(other) == type && ldns_dname_compare(ldns_rr_owner(other), ldns_rr_owner(rr)) == 0 {
                    ldns_rr_list_push_rr(set, other)
                }
            }
            out.append((set, Self.signatures(signatures, covering: type, owner: ldns_rr_owner(rr))))
        }
        return out
    }

    static func signatures(
        _ all: UnsafeMutablePointer<ldns_rr_list>, covering type: ldns_rr_type, owner: UnsafeMutablePointer<ldns_rdf>?
    ) -> UnsafeMutablePointer<ldns_rr_list> {
        let out = ldns_rr_list_new()!
        for i in 0..<ldns_rr_list_rr_count(all) {
            let sig = ldns_rr_list_rr(all, i)!
            if ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig)) == type,
                ldns_dname_compare(ldns_rr_owner(sig), owner) == 0
            {
                ldns_rr_list_push_rr(out, sig)
            }
        }
        return out
    }

    /// An empty answer whose authority section delegates (NS, no SOA) is not a denial.
    static func isReferral(_ packet: UnsafeMutablePointer<ldns_pkt>) -> Bool {
        guard let ns = ldns_pkt_rr_list_by_type(packet, LDNS_RR_TYPE_NS, LDNS_SECTION_AUTHORITY) else { return false }
        ldns_rr_list_deep_free(ns)
        if let soa = ldns_pkt_rr_list_by_type(packet, LDNS_RR_TYPE_SOA, LDNS_SECTION_AUTHORITY) {
            ldns_rr_list_deep_free(soa)
            return false
        }
        return true
    }

    static func worse(_ a: Status, _ b: Status) -> Status {
        let order: [Status] = [.secure, .insecure, .failed, .bogus]
        return order.firstIndex(of: a)! >= order.firstIndex(of: b)! ? a : b
    }
}
