import DaneModel
import FoundationEssentials

/// `verify --format json`: the reports as data, from Codable types; the shape is
/// Schemas/verify.schema.json (keys sorted; optional fields left out when empty).
public enum VerifyJSON {
    struct Document: Encodable {
        let schemaVersion = JSONDocument.schemaVersion
        let domains: [Domain]
        let exitStatus: Int32
        enum CodingKeys: String, CodingKey {
            case schemaVersion = "schema_version", domains, exitStatus = "exit_status"
        }
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
        let failure: Failure?, detail: String?, remedy: String?, dnssecBreak: Break?, nameServers: [String]?,
            warnings: [String], drift: [DriftFinding]?,
            hosts: [Host], mtaSTS: MTASTS?, findings: [Finding]
        enum CodingKeys: String, CodingKey {
            case domain, outcome, profile, mxStatus = "mx_status", implicitMX = "implicit_mx", nullMX = "null_mx",
                failure, detail, remedy, warnings, drift, hosts
            case findings
            case dnssecBreak = "dnssec_break", nameServers = "name_servers"
            case mtaSTS = "mta_sts"
        }
    }

    struct MTASTS: Encodable {
        let record: String, id: String?, policyURL: String, policy: String?, mode: String?, maxAge: UInt32?,
            mx: [String]
        let failing: Bool, problems: [Problem], warnings: [String], findings: [Finding]
        enum CodingKeys: String, CodingKey {
            case record, id, policyURL = "policy_url", policy, mode, maxAge = "max_age", mx, failing, problems,
                warnings, findings
        }
    }

    /// A warning or name-server observation with its code (`VerifyFinding.Code`): what scripts
    /// match on. `warnings` and `name_servers` keep the same sentences as plain strings.
    struct Finding: Encodable {
        let code: String, message: String
        init(_ finding: VerifyFinding) { (code, message) = (finding.code.rawValue, finding.message) }
    }

    struct Problem: Encodable {
        let resultType: String, code: String?, detail: String, fix: String
        enum CodingKeys: String, CodingKey { case resultType = "result_type", code, detail, fix }
    }

    /// The first broken link of a DNSSEC chain, in the document's snake_case.
    struct Break: Encodable {
        struct Key: Encodable {
            let keyTag: UInt16, flags: UInt16, algorithm: UInt8
            enum CodingKeys: String, CodingKey { case keyTag = "key_tag", flags, algorithm }
        }
        struct DS: Encodable {
            let keyTag: UInt16, algorithm: UInt8, digestType: UInt8, digest: String
            enum CodingKeys: String, CodingKey {
                case keyTag = "key_tag", algorithm, digestType = "digest_type", digest
            }
        }
        struct Signature: Encodable {
            let signer: String, keyTag: UInt16, algorithm: UInt8, inception: Date, expiration: Date
            enum CodingKeys: String, CodingKey { case signer, keyTag = "key_tag", algorithm, inception, expiration }
        }
        let kind: String, zone: String, owner: String, type: String, detail: String, fix: String
        let ds: [DS], dnskeys: [Key], rrsigs: [Signature]

        init?(_ broken: ChainBreak?) {
            guard let broken else { return nil }
            (kind, zone, owner, type, detail, fix) = (
                broken.kind.rawValue, broken.zone, broken.owner, broken.type, broken.description, broken.fix
            )
            ds = broken.ds.map {
                DS(keyTag: $0.keyTag, algorithm: $0.algorithm, digestType: $0.digestType, digest: $0.digest)
            }
            dnskeys = broken.keys.map { Key(keyTag: $0.keyTag, flags: $0.flags, algorithm: $0.algorithm) }
            rrsigs = broken.signatures.map {
                Signature(
                    signer: $0.signer, keyTag: $0.keyTag, algorithm: $0.algorithm, inception: $0.inception,
                    expiration: $0.expiration)
            }
        }
    }

    struct WebPKI: Encodable {
        let valid: Bool, problem: String?, resultType: String?
        enum CodingKeys: String, CodingKey { case valid, problem, resultType = "result_type" }
    }

    struct Host: Encodable {
        let host: String, preference: Int, addressStatus: String, tlsaBase: String?, tlsaOwner: String?,
            tlsaStatus: String?
        let tlsa: [TLSA], addresses: [Address], failure: Failure?, detail: String?, remedy: String?,
            dnssecBreak: Break?, nameServers: [String]?, senderNext: String?
        let findings: [Finding]
        enum CodingKeys: String, CodingKey {
            case host, preference, addressStatus = "address_status", tlsaBase = "tlsa_base", tlsaOwner = "tlsa_owner",
                tlsaStatus = "tlsa_status"
            case tlsa, addresses, failure, detail, remedy, dnssecBreak = "dnssec_break", nameServers = "name_servers",
                senderNext = "sender_next", findings
        }
    }

    struct TLSA: Encodable {
        /// `rdata` in the document: the record in zone-file syntax, printed by `RecordData`.
        let owner: String, presentation: String, usable: Bool, reason: String?
        enum CodingKeys: String, CodingKey { case owner, presentation = "rdata", usable, reason }
    }

    struct Address: Encodable {
        let address: String, verdict: String, failure: Failure?, detail: String, remedy: String?, tls: String?,
            matched: String?
        let certificates: [Certificate], warnings: [String], webpki: WebPKI?
        /// With a failure: what the sender does next (next address, next MX, or defer).
        let senderNext: String?
        let findings: [Finding]
        enum CodingKeys: String, CodingKey {
            case address, verdict, failure, detail, remedy, tls, matched, certificates, warnings, webpki, senderNext =
                "sender_next", findings
        }
    }

    struct Certificate: Encodable {
        let subject: String, issuer: String, spkiSHA256: String, notBefore: Date?, notAfter: Date?
        enum CodingKeys: String, CodingKey {
            case subject, issuer, spkiSHA256 = "spki_sha256", notBefore = "not_before", notAfter = "not_after"
        }
    }

    struct Line: Encodable {
        let schemaVersion = JSONDocument.schemaVersion
        let domain: Domain?
        let summary: Summary?
        enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version", domain, summary }
    }

    struct Summary: Encodable {
        let domains: Int, pass: Int, warning: Int, daneFailure: Int, dnsProblem: Int, notProtected: Int, nullMX: Int,
            mtaSTSFailure: Int
        let exitStatus: Int32, warnings: [String], findings: [Finding]
        enum CodingKeys: String, CodingKey {
            case domains, pass, warning, daneFailure = "dane_failure", dnsProblem = "dns_problem", notProtected =
                "not_protected"
            case nullMX = "null_mx", mtaSTSFailure = "mta_sts_failure", exitStatus = "exit_status", warnings, findings
        }
    }

    /// `--format jsonl`: one domain per line, compact, as soon as it is known.
    public static func line(_ report: DomainReport) -> String {
        JSONDocument.encodeLine(Line(domain: domain(report), summary: nil))
    }

    /// The last line of `--format jsonl`: the counts and the exit status.
    public static func summaryLine(_ reports: [DomainReport], exitStatus: Int32, warnings: [VerifyFinding]) -> String {
        func count(_ outcome: DomainReport.Outcome) -> Int { reports.filter { $0.outcome == outcome }.count }
        return JSONDocument.encodeLine(
            Line(
                domain: nil,
                summary: Summary(
                    domains: reports.count, pass: count(.pass), warning: count(.warning),
                    daneFailure: count(.daneFailure), dnsProblem: count(.dnsProblem),
                    notProtected: count(.notProtected), nullMX: count(.nullMX), mtaSTSFailure: count(.mtaSTSFailure),
                    exitStatus: exitStatus,
                    warnings: warnings.map(\.message), findings: warnings.map(Finding.init))))
    }

    public static func render(_ reports: [DomainReport], exitStatus: Int32) -> String {
        JSONDocument.encode(Document(domains: reports.map(domain), exitStatus: exitStatus))
    }

    static func domain(_ report: DomainReport) -> Domain {
        Domain(
            domain: report.domain, outcome: report.outcome.rawValue, profile: report.profile.rawValue,
            mxStatus: report.mxStatus.rawValue,
            implicitMX: report.implicitMX, nullMX: report.nullMX, failure: Failure(report.failure),
            detail: report.detail,
            remedy: report.remedy, dnssecBreak: Break(report.chainBreak),
            nameServers: report.nameServers.isEmpty ? nil : report.nameServers.map(\.message),
            warnings: report.warnings.map(\.message),
            drift: report.drift, hosts: report.hosts.map { host($0, report) },
            mtaSTS: report.mtaSTS.map { sts in
                MTASTS(
                    record: sts.record, id: sts.id, policyURL: sts.policyURL, policy: sts.policyText,
                    mode: sts.mode?.rawValue, maxAge: sts.maxAge,
                    mx: sts.mx, failing: report.mtaSTSFails,
                    problems: sts.problems.map {
                        Problem(
                            resultType: $0.resultType.rawValue, code: $0.resultType.senderFailure?.exchangeCode,
                            detail: $0.detail, fix: $0.fix)
                    },
                    warnings: sts.warnings.map(\.message), findings: sts.warnings.map(Finding.init))
            },
            findings: (report.warnings + report.nameServers).map(Finding.init))
    }

    static func host(_ host: HostReport, _ report: DomainReport) -> Host {
        Host(
            host: host.host, preference: host.preference, addressStatus: host.addressStatus.rawValue,
            tlsaBase: host.tlsaBase, tlsaOwner: host.tlsaOwner,
            tlsaStatus: host.tlsaStatus?.rawValue,
            tlsa: host.tlsa.map {
                TLSA(owner: $0.owner, presentation: $0.data.presentation, usable: $0.usable, reason: $0.reason)
            },
            addresses: host.addresses.map { address($0, host: host.host, report) }, failure: Failure(host.failure),
            detail: host.detail,
            remedy: host.remedy, dnssecBreak: Break(host.chainBreak),
            nameServers: host.nameServers.isEmpty ? nil : host.nameServers.map(\.message),
            senderNext: report.senderNext(afterHost: host),
            findings: host.nameServers.map(Finding.init))
    }

    static func address(_ address: AddressReport, host: String, _ report: DomainReport) -> Address {
        Address(
            address: address.address, verdict: address.verdict.rawValue, failure: Failure(address.failure),
            detail: address.detail,
            remedy: address.remedy, tls: address.tls, matched: address.matched,
            certificates: address.certificates.map {
                Certificate(
                    subject: $0.subject, issuer: $0.issuer, spkiSHA256: $0.spkiSHA256, notBefore: $0.notBefore,
                    notAfter: $0.notAfter)
            },
            warnings: address.warnings.map(\.message),
            webpki: address.webPKI.map {
                WebPKI(valid: $0.valid, problem: $0.problem, resultType: $0.resultType?.rawValue)
            },
            senderNext: address.failure.map { report.senderNext(after: $0, host: host, address: address.address) },
            findings: address.warnings.map(Finding.init))
    }
}
