import DaneModel
import DaneOutput
import FoundationEssentials
import ReportStore

/// The status pages' facts as JSON (`/api/domains`, `/api/domain/NAME`), for tools: schemas
/// in Schemas/status-domains.schema.json and status-domain.schema.json.
public enum StatusAPI {
    struct Check: Encodable {
        let domain: String, checkedAt: Date, outcome: String, codes: [String], problem: String?
        let certificateExpiry: Date?, signatureExpiry: Date?, daysToExpiry: Int?, drift: Int?
        let dnssecBreak: Break?
        let addresses: [Address]?
        var rollover: String?

        init(_ check: VerifyCheck, now: Date, withAddresses: Bool) {
            (domain, checkedAt, outcome, codes, problem) = (
                check.domain, check.checkedAt, check.outcome, check.codes, check.problem
            )
            (certificateExpiry, signatureExpiry, drift) = (check.certificateExpiry, check.signatureExpiry, check.drift)
            daysToExpiry = HTMLText.days(
                until: [check.certificateExpiry, check.signatureExpiry].compactMap { $0 }.min(), from: now)
            addresses = withAddresses ? check.addresses.map(Address.init) : nil
            dnssecBreak = check.chainBreak.map(Break.init)
        }

        enum CodingKeys: String, CodingKey {
            case domain, checkedAt = "checked_at", outcome, codes, problem, certificateExpiry = "certificate_expiry"
            case signatureExpiry = "signature_expiry", daysToExpiry = "days_to_expiry", drift, addresses
            case dnssecBreak = "dnssec_break", rollover
        }
    }

    struct Break: Encodable {
        let kind: String, zone: String, owner: String, type: String, description: String, fix: String
        init(_ broken: ChainBreak) {
            (kind, zone, owner, type) = (broken.kind.rawValue, broken.zone, broken.owner, broken.type)
            (description, fix) = (broken.description, broken.fix)
        }
    }

    struct Address: Encodable {
        let mx: String, address: String, verdict: String, code: String?, matched: String?, certificateExpiry: Date?
        let tlsa: [String]
        init(_ address: VerifyCheck.Address) {
            (mx, self.address, verdict, code, matched, certificateExpiry) = (
                address.mx, address.address, address.verdict, address.code, address.matched, address.certificateExpiry
            )
            tlsa = address.tlsa
        }
        enum CodingKeys: String, CodingKey {
            case mx, address, verdict, code, matched, certificateExpiry = "certificate_expiry", tlsa
        }
    }

    struct Day: Encodable {
        let day: Date, successful: Int, failed: Int
    }

    struct Domains: Encodable {
        let schemaVersion = JSONDocument.schemaVersion
        let generatedAt: Date
        let domains: [Check]
        enum CodingKeys: String, CodingKey {
            case schemaVersion = "schema_version", generatedAt = "generated_at", domains
        }
    }

    struct Domain: Encodable {
        let schemaVersion = JSONDocument.schemaVersion
        let generatedAt: Date
        let domain: String
        let latest: Check?
        let history: [Check]
        let tlsrptDaily: [Day]
        enum CodingKeys: String, CodingKey {
            case schemaVersion = "schema_version", generatedAt = "generated_at", domain, latest, history
            case tlsrptDaily = "tlsrpt_daily"
        }
    }

    public static func domains(_ checks: [VerifyCheck], now: Date, rollover: [String: String] = [:]) -> String {
        JSONDocument.encode(
            Domains(
                generatedAt: now,
                domains: checks.map { check in
                    var row = Check(check, now: now, withAddresses: false)
                    row.rollover = rollover[check.domain]
                    return row
                }))
    }

    public static func domain(_ facts: StatusDomainPage.Facts, now: Date) -> String {
        JSONDocument.encode(
            Domain(
                generatedAt: now, domain: facts.domain,
                latest: facts.history.first.map { Check($0, now: now, withAddresses: true) },
                history: facts.history.map { Check($0, now: now, withAddresses: false) },
                tlsrptDaily: facts.days.map { Day(day: $0.day, successful: $0.successful, failed: $0.failed) }))
    }
}
