import FoundationEssentials
import PlainText

/// An RFC 8460 §4 aggregate report, as senders send it to a domain's `rua`: one type for
/// reading reports (`reports ingest`) and writing them (`verify --format tlsrpt`), with the
/// RFC's own keys.
public struct AggregateReport: Codable, Sendable, Equatable {
    public var organizationName: String
    public var dateRange: DateRange
    public var contactInfo: String
    public var reportID: String
    public var policies: [PolicyResult]

    public init(
        organizationName: String, dateRange: DateRange, contactInfo: String, reportID: String, policies: [PolicyResult]
    ) {
        self.organizationName = organizationName
        self.dateRange = dateRange
        self.contactInfo = contactInfo
        self.reportID = reportID
        self.policies = policies
    }

    enum CodingKeys: String, CodingKey {
        case organizationName = "organization-name", dateRange = "date-range", contactInfo = "contact-info"
        case reportID = "report-id", policies
    }

    public struct DateRange: Codable, Sendable, Equatable {
        public var start: Date, end: Date
        public init(start: Date, end: Date) { self.start = start; self.end = end }
        enum CodingKeys: String, CodingKey { case start = "start-datetime", end = "end-datetime" }
    }

    public struct PolicyResult: Codable, Sendable, Equatable {
        public var policy: Policy
        public var summary: Summary
        public var failureDetails: [FailureDetail]

        public init(policy: Policy, summary: Summary, failureDetails: [FailureDetail]) {
            self.policy = policy
            self.summary = summary
            self.failureDetails = failureDetails
        }

        enum CodingKeys: String, CodingKey { case policy, summary, failureDetails = "failure-details" }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            policy = try c.decode(Policy.self, forKey: .policy)
            summary = try c.decode(Summary.self, forKey: .summary)
            // Optional in practice: a report with only successes often leaves the list out.
            failureDetails = try c.decodeIfPresent([FailureDetail].self, forKey: .failureDetails) ?? []
        }
    }

    public struct Policy: Codable, Sendable, Equatable {
        /// `tlsa`, `sts` or `no-policy-found`.
        public var policyType: String
        public var policyString: [String]
        /// Absent in practice for `no-policy-found` (Postfix's tlsrpt-reporter leaves it out).
        public var policyDomain: String?
        public var mxHost: [String]

        public init(policyType: String, policyString: [String], policyDomain: String?, mxHost: [String]) {
            self.policyType = policyType
            self.policyString = policyString
            self.policyDomain = policyDomain
            self.mxHost = mxHost
        }

        enum CodingKeys: String, CodingKey {
            case policyType = "policy-type", policyString = "policy-string", policyDomain = "policy-domain", mxHost =
                "mx-host"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            policyType = try c.decode(String.self, forKey: .policyType)
            policyDomain = try c.decodeIfPresent(String.self, forKey: .policyDomain)
            policyString = try c.decodeIfPresent([String].self, forKey: .policyString) ?? []
            // The RFC's example gives a list; some senders send one string.
            if let list = try? c.decodeIfPresent([String].self, forKey: .mxHost) {
                mxHost = list
            } else {
                mxHost = try c.decodeIfPresent(String.self, forKey: .mxHost).map { [$0] } ?? []
            }
        }
    }

    public struct Summary: Codable, Sendable, Equatable {
        public var successful: Int, failed: Int
        public init(successful: Int, failed: Int) { self.successful = successful; self.failed = failed }
        enum CodingKeys: String, CodingKey {
            case successful = "total-successful-session-count", failed = "total-failure-session-count"
        }
    }

    public struct FailureDetail: Codable, Sendable, Equatable {
        public var resultType: String
        public var sendingMTAIP: String?
        public var receivingMXHostname: String?
        public var receivingMXHelo: String?
        public var receivingIP: String?
        public var failedSessionCount: Int
        public var additionalInformation: String?
        public var failureReasonCode: String?

        public init(
            resultType: String, sendingMTAIP: String? = nil, receivingMXHostname: String? = nil,
            receivingMXHelo: String? = nil,
            receivingIP: String? = nil, failedSessionCount: Int, additionalInformation: String? = nil,
            failureReasonCode: String? = nil
        ) {
            self.resultType = resultType
            self.sendingMTAIP = sendingMTAIP
            self.receivingMXHostname = receivingMXHostname
            self.receivingMXHelo = receivingMXHelo
            self.receivingIP = receivingIP
            self.failedSessionCount = failedSessionCount
            self.additionalInformation = additionalInformation
            self.failureReasonCode = failureReasonCode
        }

        enum CodingKeys: String, CodingKey {
            case resultType = "result-type", sendingMTAIP = "sending-mta-ip", receivingMXHostname =
                "receiving-mx-hostname"
            case receivingMXHelo = "receiving-mx-helo", receivingIP = "receiving-ip", failedSessionCount =
                "failed-session-count"
            case additionalInformation = "additional-information", failureReasonCode = "failure-reason-code"
        }
    }
}

extension AggregateReport {
    /// Why a report cannot be taken as it is.
    public struct Malformed: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The largest session count taken from a stranger (2^40, about 10^12): sums of millions
    /// of such counts stay far inside 64 bits, so no summary can overflow.
    public static let maximumCount = 1 << 40

    /// Reads one report from its JSON text, checking what RFC 8460 requires beyond the shape:
    /// a report-id, counts that are neither negative nor absurd, an end not before the start,
    /// a policy-domain except for no-policy-found. A UTF-8 byte order mark and UTF-16 text
    /// (with its mark) are read as the same JSON.
    public static func decode(json raw: Data) throws(Malformed) -> AggregateReport {
        let json = Self.utf8(raw)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = RFC3339.date(text) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "\"\(text)\" is not an RFC 3339 date-time"))
            }
            return date
        }
        let report: AggregateReport
        do {
            report = try decoder.decode(AggregateReport.self, from: json)
        } catch let error as DecodingError {
            throw Malformed(description: Self.explain(error))
        } catch {
            throw Malformed(description: "not a TLS-RPT report: \(error)")
        }
        guard !report.reportID.trimmed().isEmpty else {
            throw Malformed(description: "report-id is empty")
        }
        if let field = report.firstStringWithNUL {
            throw Malformed(
                description:
                    "\(field) holds a NUL character (U+0000); no sender writes one, and it would cut names short")
        }
        guard report.dateRange.end >= report.dateRange.start else {
            throw Malformed(description: "date-range ends before it starts")
        }
        for (index, result) in report.policies.enumerated() {
            guard result.summary.successful >= 0, result.summary.failed >= 0 else {
                throw Malformed(description: "policies[\(index)].summary has a negative session count")
            }
            guard result.summary.successful <= maximumCount, result.summary.failed <= maximumCount else {
                throw Malformed(
                    description:
                        "policies[\(index)].summary has a session count over \(maximumCount), more than any sender makes in a day"
                )
            }
            if result.policy.policyDomain == nil && result.policy.policyType != "no-policy-found" {
                throw Malformed(
                    description:
                        "policies[\(index)].policy: policy-domain is missing (only no-policy-found may leave it out)")
            }
            if let bad = result.failureDetails.firstIndex(where: {
                $0.failedSessionCount < 0 || $0.failedSessionCount > maximumCount
            }) {
                throw Malformed(
                    description:
                        "policies[\(index)].failure-details[\(bad)].failed-session-count is negative or over \(maximumCount)"
                )
            }
        }
        return report
    }

    /// The report as senders send it: RFC 8460's keys, RFC 3339 dates in UTC.
    public func encoded(pretty: Bool = true) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .withoutEscapingSlashes] : [.withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(RFC3339.string(date))
        }
        return (try? encoder.encode(self)) ?? Data()
    }

    /// A decoding error as one line naming the place: `policies[0].summary: ...`.
    static func explain(_ error: DecodingError) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.reduce("") { text, key in
                if let index = key.intValue { return text + "[\(index)]" }
                return text.isEmpty ? key.stringValue : text + "." + key.stringValue
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            let place = path(context.codingPath)
            return "\(place.isEmpty ? "" : place + ": ")\(key.stringValue) is missing"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return
                "\(path(context.codingPath)): expected \(type == String.self ? "a string" : type == Int.self ? "an integer" : "\(type)")"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "not JSON (\(Self.underlyingReason(context)))" }
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "not a TLS-RPT report"
        }
    }

    /// The decoder's own words (Swift 6's JSONDecoder keeps no underlying error to say more).
    private static func underlyingReason(_ context: DecodingError.Context) -> String {
        context.debugDescription
    }
}

extension AggregateReport {
    /// The JSON as UTF-8: a UTF-8 byte order mark dropped, UTF-16 with a mark converted.
    public static func utf8(_ data: Data) -> Data {
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { return data.dropFirst(3) }
        for (mark, encoding) in [
            ([UInt8](arrayLiteral: 0xFF, 0xFE), String.Encoding.utf16LittleEndian), ([0xFE, 0xFF], .utf16BigEndian),
        ]
        where data.starts(with: mark) {
            if let text = String(data: data.dropFirst(2), encoding: encoding) { return Data(text.utf8) }
        }
        return data
    }

    /// The first text field holding U+0000, named by its place, or nil.
    var firstStringWithNUL: String? {
        func bad(_ text: String?) -> Bool { text?.unicodeScalars.contains("\u{0}") ?? false }
        if bad(organizationName) { return "organization-name" }
        if bad(contactInfo) { return "contact-info" }
        if bad(reportID) { return "report-id" }
        for (index, result) in policies.enumerated() {
            let policy = result.policy
            if bad(policy.policyType) || bad(policy.policyDomain) || policy.mxHost.contains(where: bad)
                || policy.policyString.contains(where: bad)
            {
                return "policies[\(index)].policy"
            }
            for (position, detail) in result.failureDetails.enumerated() {
                let fields = [
                    detail.resultType, detail.sendingMTAIP, detail.receivingMXHostname, detail.receivingMXHelo,
                    detail.receivingIP,
                    detail.additionalInformation, detail.failureReasonCode,
                ]
                if fields.contains(where: bad) { return "policies[\(index)].failure-details[\(position)]" }
            }
        }
        return nil
    }
}

extension AggregateReport {
    /// The domain each policy is filed under: its policy-domain; for a no-policy-found without
    /// one, the domain the report's other policies agree on (a report is about one domain), else
    /// the MX host or receiving address it names, never "nowhere".
    public var filedUnder: [String] {
        let named = Set(policies.compactMap { $0.policy.policyDomain.map { $0.lowercased() } })
        return policies.map { result in
            if let domain = result.policy.policyDomain { return domain }
            if named.count == 1, let only = named.first { return only }
            return result.policy.mxHost.first ?? result.failureDetails.lazy.compactMap {
                $0.receivingMXHostname ?? $0.receivingIP
            }.first ?? "unknown"
        }
    }
}
