import Foundation
internal import CLDNS

/// Signs a whole zone: strips old DNSSEC records, adds the keys' DNSKEYs, builds the NSEC or
/// NSEC3 chain (ldns), then makes every RRSIG on all cores: the DNSKEY RRset with the KSKs,
/// everything else with the ZSKs (a lone key signs everything).
public enum ZoneSigner {
    public static func sign(_ zoneFile: ZoneFile, keys: [DNSSECKey], options: SigningOptions) throws(LDNSError) -> SignedZone {
        guard !keys.isEmpty else { throw LDNSError("no signing key given") }
        for key in keys where key.zone != zoneFile.origin {
            throw LDNSError("key \(key.baseName) is for zone \(key.zone), not \(zoneFile.origin)")
        }
        let (soa, records) = zoneFile.takeRecords()
        guard let zone = ldns_dnssec_zone_new() else { throw LDNSError("out of memory") }
        let signed = SignedZone(zone: zone, threads: options.threads)

        _ = ldns_dnssec_zone_add_rr(zone, soa)
        let apex = ldns_rr_owner(soa)
        for rr in records {
            let type = ldns_rr_get_type(rr)
            let stale = type == LDNS_RR_TYPE_RRSIG || type == LDNS_RR_TYPE_NSEC || type == LDNS_RR_TYPE_NSEC3
                || type == LDNS_RR_TYPE_NSEC3PARAM || type == LDNS_RR_TYPE_SOA
                || (type == LDNS_RR_TYPE_DNSKEY && keys.contains { $0.publishes(rr) })
            let outside = ldns_dname_is_subdomain(ldns_rr_owner(rr), apex) == 0 && ldns_dname_compare(ldns_rr_owner(rr), apex) != 0
            if outside {
                let text = takeString(ldns_rr2str(rr)).trimmingCharacters(in: .whitespacesAndNewlines)
                throw LDNSError("record \"\(text)\" is outside zone \(zoneFile.origin)")
            }
            if stale {
                ldns_rr_free(rr)
            } else {
                let status = ldns_dnssec_zone_add_rr(zone, rr)
                guard status == LDNS_STATUS_OK else { throw LDNSError.status(status, "cannot add a record to the zone") }
            }
        }
        for key in keys {
            let dnskey = ldns_rr_clone(key.dnskey)!
            ldns_rr_set_ttl(dnskey, ldns_rr_ttl(soa))
            _ = ldns_dnssec_zone_add_rr(zone, dnskey)
        }

        try buildDenialChain(zone, options.denial)
        let jobs = collectJobs(zone, apex: apex!)
        let made = try signInParallel(jobs, keys: keys, options: options)
        signed.signatures = made
        signed.rrsets = jobs.count
        return signed
    }

    // MARK: - NSEC / NSEC3 (ldns builds the chain; an empty key list makes no signatures)

    static func buildDenialChain(_ zone: UnsafeMutablePointer<ldns_dnssec_zone>, _ denial: SigningOptions.Denial) throws(LDNSError) {
        guard let newRecords = ldns_rr_list_new(), let noKeys = ldns_key_list_new() else { throw LDNSError("out of memory") }
        defer {
            ldns_rr_list_free(newRecords)
            ldns_key_list_free(noKeys)
        }
        let status: ldns_status
        switch denial {
        case .nsec:
            status = ldns_dnssec_zone_sign_flg(zone, newRecords, noKeys, ldns_dnssec_default_replace_signatures, nil, 0)
        case .nsec3(let optOut):
            status = ldns_dnssec_zone_sign_nsec3_flg(zone, newRecords, noKeys, ldns_dnssec_default_replace_signatures, nil,
                                                     1, optOut ? 1 : 0, 0, 0, nil, 0)
        }
        guard status == LDNS_STATUS_OK else { throw LDNSError.status(status, "cannot build the denial-of-existence chain") }
    }

    // MARK: - What to sign

    /// One RRset to sign: either a name's RRset or its NSEC/NSEC3 record.
    struct Job {
        let rrset: UnsafeMutablePointer<ldns_dnssec_rrsets>?
        let name: UnsafeMutablePointer<ldns_dnssec_name>
        var isDNSKEY: Bool { rrset?.pointee.type == LDNS_RR_TYPE_DNSKEY }
    }

    /// Every authoritative RRset: not glue, and at a delegation only DS and the NSEC record
    /// (RFC 4035 §2.2).
    static func collectJobs(_ zone: UnsafeMutablePointer<ldns_dnssec_zone>, apex: UnsafeMutablePointer<ldns_rdf>) -> [Job] {
        var jobs: [Job] = []
        guard let tree = zone.pointee.names else { return jobs }
        var node = ldns_rbtree_first(tree)
        while let current = node, current.pointee.key != nil {  // ldns's sentinel node has no key
            let name = UnsafeMutablePointer(mutating: current.pointee.data.assumingMemoryBound(to: ldns_dnssec_name.self))
            defer { node = ldns_rbtree_next(current) }
            if name.pointee.is_glue != 0 { continue }
            let atApex = ldns_dname_compare(name.pointee.name, apex) == 0
            var delegation = false
            var scan = name.pointee.rrsets
            while let set = scan {
                if set.pointee.type == LDNS_RR_TYPE_NS && !atApex { delegation = true }
                scan = set.pointee.next
            }
            var rrset = name.pointee.rrsets
            while let set = rrset {
                if !delegation || set.pointee.type == LDNS_RR_TYPE_DS { jobs.append(Job(rrset: set, name: name)) }
                rrset = set.pointee.next
            }
            if name.pointee.nsec != nil { jobs.append(Job(rrset: nil, name: name)) }
        }
        return jobs
    }

    // MARK: - Signing on every core

    final class SendableJobs: @unchecked Sendable {
        let jobs: [Job]
        init(_ jobs: [Job]) { self.jobs = jobs }
    }

    static func signInParallel(_ jobs: [Job], keys: [DNSSECKey], options: SigningOptions) throws(LDNSError) -> Int {
        let shared = SendableJobs(jobs)
        let threads = min(options.threads, max(1, jobs.count / 64 + 1))
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: threads)
        let failures = UnsafeMutableBufferPointer<Bool>.allocate(capacity: threads)
        defer { counts.deallocate(); failures.deallocate() }
        counts.initialize(repeating: 0)
        failures.initialize(repeating: false)
        nonisolated(unsafe) let countsRef = counts
        nonisolated(unsafe) let failuresRef = failures
        let inception = UInt32(clamping: Int64(options.inception.timeIntervalSince1970))

        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            // Each thread signs with its own key objects: ldns keys hold the validity window.
            guard let signers = ThreadKeys(keys), let maker = RRSIGMaker() else { failuresRef[worker] = true; return }
            defer { signers.free() }
            var made = 0
            var index = worker
            while index < shared.jobs.count {
                let job = shared.jobs[index]
                signers.setWindow(inception: inception, expiration: options.expiration(for: index))
                made += sign(job, with: signers, dnskey: job.isDNSKEY, maker: maker)
                index += threads
            }
            countsRef[worker] = made
        }
        if failures.contains(true) { throw LDNSError("could not load the signing keys for a signing thread") }
        return counts.reduce(0, +)
    }

    static func sign(_ job: Job, with signers: ThreadKeys, dnskey: Bool, maker: RRSIGMaker) -> Int {
        guard let list = ldns_rr_list_new() else { return 0 }
        defer { ldns_rr_list_free(list) }
        if let rrset = job.rrset {
            var rrs = rrset.pointee.rrs
            while let item = rrs {
                ldns_rr_list_push_rr(list, item.pointee.rr)
                rrs = item.pointee.next
            }
        } else {
            ldns_rr_list_push_rr(list, job.name.pointee.nsec)
        }
        var made: [RRPointer]
        if let fast = maker.sign(list, keys: dnskey ? signers.dnskeySigners : signers.zoneSigners) {
            made = fast
        } else {
            // An algorithm RRSIGMaker does not do: ldns signs it.
            guard let signatures = ldns_sign_public(list, dnskey ? signers.forDNSKEY : signers.forZone) else { return 0 }
            made = (0..<ldns_rr_list_rr_count(signatures)).map { ldns_rr_list_rr(signatures, $0) }
            ldns_rr_list_free(signatures)
        }
        let count = made.count
        for signature in made {
            if let rrset = job.rrset {
                if rrset.pointee.signatures == nil {
                    rrset.pointee.signatures = ldns_dnssec_rrs_new()
                    rrset.pointee.signatures.pointee.rr = signature
                } else {
                    ldns_dnssec_rrs_add_rr(rrset.pointee.signatures, signature)
                }
            } else if job.name.pointee.nsec_signatures == nil {
                job.name.pointee.nsec_signatures = ldns_dnssec_rrs_new()
                job.name.pointee.nsec_signatures.pointee.rr = signature
            } else {
                ldns_dnssec_rrs_add_rr(job.name.pointee.nsec_signatures, signature)
            }
        }
        return count
    }
}

/// One signing thread's copies of the keys, split into the DNSKEY signers (KSKs) and the
/// zone signers (ZSKs).
final class ThreadKeys {
    let all: [KeyPointer]
    let dnskeySigners: [KeyPointer]
    let zoneSigners: [KeyPointer]
    let forDNSKEY: KeyListPointer
    let forZone: KeyListPointer

    init?(_ keys: [DNSSECKey]) {
        var copies: [KeyPointer] = []
        for key in keys {
            guard let copy = key.makeSigningCopy() else {
                copies.forEach { ldns_key_deep_free($0) }
                return nil
            }
            copies.append(copy)
        }
        all = copies
        // Per algorithm (RFC 4035 §2.2: every algorithm in the DNSKEY RRset signs every
        // RRset): its KSKs sign the DNSKEY RRset and its ZSKs the rest; an algorithm with only
        // one kind of key uses that kind for both.
        var dnskeySigners: [KeyPointer] = []
        var zoneSigners: [KeyPointer] = []
        for algorithm in Set(keys.map(\.algorithm)).sorted() {
            let mine = zip(keys, copies).filter { $0.0.algorithm == algorithm }
            let ksk = mine.filter { $0.0.isKSK }.map(\.1)
            let zsk = mine.filter { !$0.0.isKSK }.map(\.1)
            dnskeySigners += ksk.isEmpty ? zsk : ksk
            zoneSigners += zsk.isEmpty ? ksk : zsk
        }
        self.dnskeySigners = dnskeySigners
        self.zoneSigners = zoneSigners
        forDNSKEY = Self.list(dnskeySigners)
        forZone = Self.list(zoneSigners)
    }

    private static func list(_ keys: [KeyPointer]) -> KeyListPointer {
        let list = ldns_key_list_new()!
        keys.forEach { _ = ldns_key_list_push_key(list, $0) }
        return list
    }

    func setWindow(inception: UInt32, expiration: UInt32) {
        for key in all {
            ldns_key_set_inception(key, inception)
            ldns_key_set_expiration(key, expiration)
        }
    }

    func free() {
        // ldns_key_list_free frees the keys too, and both lists share them: empty the lists
        // first, then free each key once.
        ldns_key_list_set_key_count(forDNSKEY, 0)
        ldns_key_list_set_key_count(forZone, 0)
        ldns_key_list_free(forDNSKEY)
        ldns_key_list_free(forZone)
        all.forEach { ldns_key_deep_free($0) }
    }
}
