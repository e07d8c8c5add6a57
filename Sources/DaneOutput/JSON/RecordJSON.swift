import DaneModel
import Foundation

/// The JSON form of `generate`'s output, for tools. Stable: keys sorted, slashes unescaped,
/// records in canonical order.
///
///     {"schema_version": 1, "records": [{"class": "IN", "owner": "_25._tcp.mx1.example.com.", "rdata": "3 1 1 ...",
///                   "ttl": 3600, "type": "TLSA", "zone": "example.com."}],
///      "warnings": [{"code": "...", "location": "domain.yaml:7:5", "message": "..."}]}
public enum RecordJSON {
    struct Document: Encodable {
        let schemaVersion = JSONDocument.schemaVersion
        let records: [Record]
        let warnings: [Warning]
        enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version", records, warnings }
    }

    struct Record: Encodable {
        let owner: String
        let ttl: UInt32
        let `class`: String
        let type: String
        let rdata: String
        let zone: String
    }

    struct Warning: Encodable {
        let code: String
        let message: String
        let location: String?
    }

    public static func render(_ records: [ResourceRecord], warnings: [Diagnostic]) -> String {
        let document = Document(
            records: records.sorted().map {
                Record(owner: $0.owner.fqdn, ttl: $0.ttl, class: $0.recordClass, type: $0.type.rawValue, rdata: $0.rdata, zone: $0.zone.fqdn)
            },
            warnings: warnings.map { Warning(code: $0.code, message: $0.message, location: $0.location?.description) })
        return JSONDocument.encode(document)
    }
}
