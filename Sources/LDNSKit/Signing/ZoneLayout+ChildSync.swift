internal import CLDNS
import DaneModel
import FoundationEssentials
import OpenSSLKit

extension ZoneLayout {
    /// The apex CDS and CDNSKEY records `childSync` asks for, in presentation form.
    static func childSyncRecords(
        keys: [DNSSECKey], childSync: SigningOptions.ChildSync, ttl: UInt32
    ) throws(LDNSError) -> [String] {
        switch childSync {
        case .none:
            return []
        case .delete:
            return ["@ \(ttl) IN CDS 0 0 0 00", "@ \(ttl) IN CDNSKEY 0 3 0 AA=="]
        case .publish:
            let ksks = keys.filter(\.isKSK)
            var records: [String] = []
            for key in ksks.isEmpty ? keys : ksks {
                records.append("@ \(ttl) IN CDS " + (try key.dsRDATA()))
                records.append("@ \(ttl) IN CDNSKEY " + key.dnskeyRDATA)
            }
            return records
        }
    }
}
