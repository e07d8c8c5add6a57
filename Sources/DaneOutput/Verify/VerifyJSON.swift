import DaneModel
import Foundation

/// `verify --format json`: the reports as data, from Codable types; the shape is
/// Schemas/verify.schema.json (keys sorted; optional fields left out when empty).
public enum VerifyJSON {
    struct Document: Encodable {
        let schemaVersion = JSONDocument.schemaVersion
        let domains: [Domain]
        let exitStatus: Int32
        enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version", domains, exitStatus = "exit_status" }
    }

    struct Failure: Encodable {
        let code: String
        let resultType: String
        let title: String
        enum CodingKeys: String, CodingKey { case code, resultType = "result_type", title }

        init?(_ failure: SenderFailure?) {
            guard let failure else { return nil }
            (code, resultType, title) = (failure.exchangeCode, failure.resultType, failure.title)
        }
    }

    struct Domain: Encodable {
        let domain: String, outcome: String, profile: String, mxStatus: String, implicitMX: Bool, nullMX: Bool
        let failure: Failure?, detail: String?, warnings: [String], drift: [DriftFinding]?, hosts: [Host], mtaSTS: MTASTS?
        enum CodingKeys: String, CodingKey {
            case domain, outcome, profile, mxStatus = "mx_status", implicitMX = "implicit_mx", nullMX = "null_mx", failure, detail, warnings, drift, hosts
            case mtaSTS = "mta_sts"
        }
    }

    struct MTASTS: Encodable {
        let record: String, id: String?, policyURL: String, policy: String?, mode: String?, maxAge: UInt32?, mx: [String]
        let failing: Bool, problems: [Problem], warnings: [String]
        enum CodingKeys: String, CodingKey {
            case record, id, policyURL = "policy_url", policy, mode, maxAge = "max_age", mx, failing, problems, warnings
        }
    }

    struct Problem: Encodable {
        let resultType: String, code: String?, detail: String, fix: String
        enum CodingKeys: String, CodingKey { case resultType = "result_type", code, detail, fix }
    }

    struct WebPKI: Encodable {
        let valid: Bool, problem: String?, resultType: String?
        enum CodingKeys: String, CodingKey { case valid, problem, resultType = "result_type" }
    }

    struct Host: Encodable {
        let host: String, preference: Int, addressStatus: String, tlsaBase: String?, tlsaOwner: String?, tlsaStatus: String?
        let tlsa: [TLSA], addresses: [Address], failure: Failure?, detail: String?
        enum CodingKeys: String, CodingKey {
            case host, preference, addressStatus = "address_status", tlsaBase = "tlsa_base", tlsaOwner = "tlsa_owner", tlsaStatus = "tlsa_status"
            case tlsa, addresses, failure, detail
        }
    }

    struct TLSA: Encodable {
        let owner: String, rdata: String, usable: Bool, reason: String?
    }

    struct Address: Encodable {
        let address: String, verdict: String, failure: Failure?, detail: String, remedy: String?, tls: String?, matched: String?
        let certificates: [Certificate], warnings: [String], webpki: WebPKI?
    }

    struct Certificate: Encodable {
        let subject: String, issuer: String, spkiSHA256: String, notBefore: Date?, notAfter: Date?
        enum CodingKeys: String, CodingKey { case subject, issuer, spkiSHA256 = "spki_sha256", notBefore = "not_before", notAfter = "not_after" }
    }

    public static func render(_ reports: [DomainReport], exitStatus: Int32) -> String {
        JSONDocument.encode(Document(domains: reports.map(domain), exitStatus: exitStatus))
    }

    static func domain(_ report: DomainReport) -> Domain {
        Domain(domain: report.domain, outcome: report.outcome.rawValue, profile: report.profile.rawValue, mxStatus: report.mxStatus.rawValue,
               implicitMX: report.implicitMX, nullMX: report.nullMX, failure: Failure(report.failure), detail: report.detail, warnings: report.warnings,
               drift: report.drift, hosts: report.hosts.map(host),
               mtaSTS: report.mtaSTS.map { sts in
                   MTASTS(record: sts.record, id: sts.id, policyURL: sts.policyURL, policy: sts.policyText, mode: sts.mode?.rawValue, maxAge: sts.maxAge,
                          mx: sts.mx, failing: report.mtaSTSFails,
                          problems: sts.problems.map { Problem(resultType: $0.resultType.rawValue, code: $0.resultType.senderFailure?.exchangeCode,
                                                               detail: $0.detail, fix: $0.fix) },
                          warnings: sts.warnings)
               })
    }

    static func host(_ host: HostReport) -> Host {
        Host(host: host.host, preference: host.preference, addressStatus: host.addressStatus.rawValue, tlsaBase: host.tlsaBase, tlsaOwner: host.tlsaOwner,
             tlsaStatus: host.tlsaStatus?.rawValue,
             tlsa: host.tlsa.map { TLSA(owner: $0.owner, rdata: $0.rdata, usable: $0.usable, reason: $0.reason) },
             addresses: host.addresses.map(address), failure: Failure(host.failure), detail: host.detail)
    }

    static func address(_ address: AddressReport) -> Address {
        Address(address: address.address, verdict: address.verdict.rawValue, failure: Failure(address.failure), detail: address.detail,
                remedy: address.remedy, tls: address.tls, matched: address.matched,
                certificates: address.certificates.map {
                    Certificate(subject: $0.subject, issuer: $0.issuer, spkiSHA256: $0.spkiSHA256, notBefore: $0.notBefore, notAfter: $0.notAfter)
                },
                warnings: address.warnings,
                webpki: address.webPKI.map { WebPKI(valid: $0.valid, problem: $0.problem, resultType: $0.resultType?.rawValue) })
    }
}
