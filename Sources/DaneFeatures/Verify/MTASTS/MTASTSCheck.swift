import DaneModel
import FoundationEssentials
import Glibc

/// RFC 8461 as a sender applies it to one domain: the `_mta-sts` record, the policy fetched
/// over HTTPS, its mx patterns against the live MX set, and (mode enforce) each MX
/// certificate under WebPKI for its name. With a description, the live record and policy are
/// compared with what `generate` makes, so a policy changed without a new id is caught.
struct MTASTSCheck {
    let lookup: any DNSLookup
    let source: any PolicySource
    let settings: PolicyFetchSettings

    func check(
        domain: DNSName, liveMX: [String], probed: [(host: String, report: AddressReport)], described: MTASTSPolicy?
    ) -> MTASTSReport? {
        let owner = MTASTSRecord.ownerName(domain: domain)
        let answer = lookup.lookup(owner, .txt)
        let texts = answer.response?.texts ?? []
        guard !texts.isEmpty else { return nil }
        let url = PolicyFetch.url(domain: domain)
        var problems: [MTASTSReport.Problem] = []
        var warnings: [VerifyFinding] = []
        func problem(_ type: TLSRPTResultType, _ detail: String, _ fix: String? = nil) {
            problems.append(
                .init(
                    resultType: type, detail: detail,
                    fix: fix ?? type.fix.replacing("DOMAIN", with: String(domain.fqdn.dropLast()))))
        }

        // RFC 8461 §3.1: exactly one record starting with v=STSv1, else no policy at all.
        let candidates = texts.filter { $0.hasPrefix("v=STSv1") }
        let record: MTASTSRecord?
        if candidates.count > 1 {
            // RFC 8461 §3.1: several records mean no policy at all; senders deliver without one,
            // so this is not a failure, but MTA-STS is off until it is fixed.
            warnings.append(
                .init(
                    .mtaSTSMultipleRecords,
                    "\(owner) holds \(candidates.count) v=STSv1 records, so senders use no MTA-STS policy at all: publish exactly one"
                ))
            return MTASTSReport(
                record: candidates[0], id: nil, policyURL: url, policyText: nil, policy: nil, problems: [],
                warnings: warnings)
        }
        if candidates.isEmpty {
            record = nil
            problem(
                .stsPolicyInvalid, "\(owner) holds no v=STSv1 record",
                "publish exactly one \"v=STSv1; id=...\" TXT record at \(owner)")
        } else {
            do {
                record = try MTASTSRecord.parse(candidates[0])
            } catch {
                record = nil
                problem(
                    .stsPolicyInvalid, "\(owner): \(error.description); senders then use no policy",
                    "publish \"v=STSv1; id=<1-32 letters and digits>\" (`danectl generate` makes it)")
            }
        }

        var policy: MTASTSPolicy?
        var policyText: String?
        switch source.fetchPolicy(domain: domain, lookup: lookup, settings: settings) {
        case .failure(.fetch(let why)): problem(.stsPolicyFetchError, why)
        case .failure(.webPKI(let why)):
            problem(
                .stsWebPKIInvalid, why,
                "serve \(PolicyFetch.webHost(domain)) with a certificate from a public CA that names it (senders validate it by WebPKI)"
            )
        case .failure(.contentType(let why)):
            problem(.stsPolicyInvalid, why, "serve the policy file with Content-Type: text/plain")
        case .success(let text):
            policyText = text
            do {
                policy = try MTASTSPolicy.parse(text)
            } catch {
                problem(.stsPolicyInvalid, "\(url): \(error.description)")
            }
        }

        if let policy {
            if policy.mode != .none {
                for host in liveMX where !policy.covers(host) {
                    problem(
                        .stsPolicyInvalid,
                        "MX host \(host) matches no mx pattern of the policy (\(policy.mx.joined(separator: ", "))): "
                            + "MTA-STS senders will not deliver to it",
                        "add \"mx: \(host.hasSuffix(".") ? String(host.dropLast()) : host)\" to the policy (and change the id), or fix the MX records"
                    )
                }
            }
            if policy.mode == .enforce || policy.mode == .testing {
                for (host, report) in probed {
                    guard let verdict = report.webPKI else { continue }
                    if !verdict.valid {
                        problem(
                            verdict.resultType ?? .certificateNotTrusted,
                            "\(host) (\(report.address)) presents a certificate that fails WebPKI for its name: \(verdict.problem ?? "invalid")",
                            "serve a certificate from a public CA naming \(host.hasSuffix(".") ? String(host.dropLast()) : host) (DANE-EE accepts any key its TLSA names; MTA-STS does not)"
                        )
                    }
                }
                if probed.contains(where: { $0.report.verdict == .notChecked }) {
                    warnings.append(
                        .init(
                            .mtaSTSWebPKIUnchecked,
                            "MX certificates were not checked under WebPKI (--dns-only); MTA-STS mode \(policy.mode.rawValue) needs them valid"
                        ))
                }
            }
            if policy.maxAge < 86_400 && policy.mode != .none {
                warnings.append(
                    .init(
                        .mtaSTSShortMaxAge,
                        "max_age \(policy.maxAge) is under a day; RFC 8461 §3.2 suggests weeks, so a policy protects between fetches"
                    ))
            }
        }

        if let described, let record, let policyText {
            let describedID = Generator.mtaSTSID(described.text)
            switch MTASTSComparison.compare(
                liveText: policyText, liveID: record.id, describedText: described.text, describedID: describedID)
            {
            case .same: break
            case .idDiffers(let live, let wanted):
                warnings.append(
                    .init(
                        .mtaSTSIDMismatch,
                        "the policy is the one the description makes, but the live id \(live) is not its id \(wanted): publish the record `danectl generate` makes"
                    ))
            case .policyChangedUnderSameID(let id):
                warnings.append(
                    .init(
                        .mtaSTSSameIDChanged,
                        "the served policy differs from the description's, but the id is the same (\(id)): senders that cached the old policy keep it for up to max_age; "
                            + "serve the policy file `danectl generate --output DIR/` writes"))
            case .drift:
                warnings.append(
                    .init(.mtaSTSDrift, "the served policy and its id differ from what the description makes (drift)"))
            }
        }
        return MTASTSReport(
            record: candidates.first ?? texts[0], id: record?.id, policyURL: url, policyText: policyText,
            policy: policy,
            problems: problems, warnings: warnings)
    }
}
