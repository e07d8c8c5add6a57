import DaneModel
import FileKit
import FoundationEssentials
import Glibc

/// The JSON form of `generate`'s output, for tools. Stable: keys sorted, slashes unescaped,
/// records in canonical order.
///
///     {"schema_version": 1, "records": [{"class": "IN", "owner": "_25._tcp.mx1.example.com.", "rdata": "3 1 1 ...",
///                   "ttl": 3600, "type": "TLSA", "zone": "example.com.", "usage": 3, "selector": 1,
///                   "matching_type": 1, "certificate_association_data": "..."}],
///      "warnings": [{"code": "...", "location": "domain.yaml:7:5", "message": "..."}]}
///
/// Besides `rdata` (zone-file syntax), each record has its fields for API scripts: TLSA
/// `usage`, `selector`, `matching_type`, `certificate_association_data` (hex); MX
/// `preference`, `exchange`; TXT `value` (the text, unquoted and unsplit).
public enum RecordJSON {
    struct Document: Encodable {
        let schemaVersion = JSONDocument.schemaVersion
        let generator = "danectl"
        let source: String
        let records: [Record]
        let warnings: [Warning]
        enum CodingKeys: String, CodingKey {
            case schemaVersion = "schema_version", generator, source, records, warnings
        }
    }

    struct Record: Encodable {
        let owner: String
        let ttl: UInt32
        let `class`: String
        let type: String
        /// `rdata` in the document: zone-file syntax, printed once by `RecordData`.
        let presentation: String
        let zone: String
        var usage: UInt8?, selector: UInt8?, matchingType: UInt8?, certificateAssociationData: String?
        var preference: UInt16?, exchange: String?
        var value: String?

        enum CodingKeys: String, CodingKey {
            case owner, ttl, `class`, type, presentation = "rdata", zone, usage, selector, matchingType =
                "matching_type"
            case certificateAssociationData = "certificate_association_data", preference, exchange, value
        }

        init(_ record: ResourceRecord) {
            (owner, ttl, `class`, type, presentation, zone) = (
                record.owner.fqdn, record.ttl, record.recordClass, record.type.description,
                record.rdataPresentation, record.zone.fqdn
            )
            switch record.data {
            case .tlsa(let tlsa):
                (usage, selector, matchingType) = (
                    tlsa.parameters.usage.rawValue, tlsa.parameters.selector.rawValue,
                    tlsa.parameters.matchingType.rawValue
                )
                certificateAssociationData = Hex.encode(tlsa.associationData)
            case .mx(let number, let host):
                (preference, exchange) = (number, host.fqdn)
            case .txt(let strings):
                value = String(decoding: strings.flatMap { $0 }, as: UTF8.self)
            default:
                break
            }
        }
    }

    struct Warning: Encodable {
        let code: String
        let message: String
        let location: String?
    }

    public static func render(_ records: [ResourceRecord], warnings: [Diagnostic], source: String) -> String {
        collectText { render(records, warnings: warnings, source: source, to: $0) }
    }

    /// The document into `sink` as it is encoded; false when the sink refused a piece.
    @discardableResult
    public static func render(
        _ records: [ResourceRecord], warnings: [Diagnostic], source: String, to sink: TextSink
    ) -> Bool {
        let document = Document(
            source: source, records: [],
            warnings: warnings.map { Warning(code: $0.code, message: $0.message, location: $0.location?.description) })
        return JSONDocument.write(document, filling: "records", with: records.sorted(), as: Record.init, to: sink)
    }
}
