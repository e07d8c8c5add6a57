internal import CLDNS
import DaneModel
import FoundationEssentials
import Glibc

/// Single DNSSEC checks with ldns, on model values: one RRSIG over one RRset with one key, and
/// whether a DS names a key. Used to find which link of a chain broke, not to validate.
public enum SignatureCheck {
    /// `rrset` is the covered RRset as served; `signature` an RRSIG record over it; `key` a DNSKEY record.
    public static func verify(
        _ rrset: [DNSRecord], _ signature: DNSRecord, with key: DNSRecord, at time: Date
    ) -> SignatureVerdict {
        guard let list = ldns_rr_list_new() else { return .invalid }
        defer { ldns_rr_list_deep_free(list) }
        for record in rrset {
            guard let rr = makeRR(record) else { return .invalid }
            ldns_rr_list_push_rr(list, rr)
        }
        guard let sig = makeRR(signature) else { return .invalid }
        defer { ldns_rr_free(sig) }
        guard let keyRR = makeRR(key) else { return .invalid }
        defer { ldns_rr_free(keyRR) }
        let status = ldns_verify_rrsig_time(list, sig, keyRR, time_t(time.timeIntervalSince1970))
        switch status {
        case LDNS_STATUS_OK: return .valid
        case LDNS_STATUS_CRYPTO_SIG_EXPIRED: return .expired
        case LDNS_STATUS_CRYPTO_SIG_NOT_INCEPTED: return .notYetValid
        case LDNS_STATUS_CRYPTO_UNKNOWN_ALGO, LDNS_STATUS_CRYPTO_ALGO_NOT_IMPL: return .unsupportedAlgorithm
        default: return .invalid
        }
    }

    /// True when `ds` (a DS record) is the digest of `key` (a DNSKEY record of the same owner).
    public static func ds(_ ds: DNSRecord, names key: DNSRecord) -> Bool {
        guard case .ds(let data) = ds.data else { return false }
        let hash: ldns_hash
        switch data.digestType {
        case 1: hash = LDNS_SHA1
        case 2: hash = LDNS_SHA256
        case 4: hash = LDNS_SHA384
        default: return false
        }
        guard let keyRR = makeRR(key) else { return false }
        defer { ldns_rr_free(keyRR) }
        guard let made = ldns_key_rr2ds(keyRR, hash) else { return false }
        defer { ldns_rr_free(made) }
        guard let wanted = makeRR(ds) else { return false }
        defer { ldns_rr_free(wanted) }
        return ldns_rr_compare_ds(made, wanted) != 0
    }

    private static func makeRR(_ record: DNSRecord) -> RRPointer? {
        var rr: RRPointer?
        let text = "\(record.owner.fqdn) \(record.ttl) IN \(record.type) \(record.data.presentation)"
        guard ldns_rr_new_frm_str(&rr, text, record.ttl, nil, nil) == LDNS_STATUS_OK else { return nil }
        return rr
    }
}
