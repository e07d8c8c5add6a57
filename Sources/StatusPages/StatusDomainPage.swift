import DaneModel
import FoundationEssentials
import PlainText
import ReportStore

/// `GET /domain/NAME`: the newest run per MX host and address (verdict, the TLSA record the
/// certificate matched, its expiry), what senders reported per day for the period as a chart,
/// the failures they reported with the fix, and the verify history.
public enum StatusDomainPage {
    public struct Facts: Sendable {
        public var domain: String
        public var history: [VerifyCheck]
        public var days: [DailySessions]
        public var failures: ReportSummary
        public var period: (first: Date, days: Int)

        public init(
            domain: String, history: [VerifyCheck], days: [DailySessions], failures: ReportSummary,
            period: (first: Date, days: Int)
        ) {
            (self.domain, self.history, self.days, self.failures, self.period) = (
                domain, history, days, failures, period
            )
        }
    }

    public static func html(_ facts: Facts, now: Date) -> String {
        let name = HTMLEscaping.escape(facts.domain)
        var body = "<p><a href=\"/\">All domains</a></p>\n<h1>\(name)</h1>\n"
        if let latest = facts.history.first {
            body += "<p>\(HTMLText.label(latest.outcome)) \(HTMLEscaping.escape(latest.problem ?? ""))"
            body += "\(StatusIndexPage.codes(latest.codes)) — checked \(HTMLText.date(latest.checkedAt))</p>\n"
            body += chain(latest.chainBreak)
            body += addresses(latest)
        } else {
            body +=
                "<p>No verify result is kept for this domain: run <code>danectl verify --db STORE \(name)</code>.</p>\n"
        }
        body += "<h2>What senders reported (TLS-RPT), last \(facts.period.days) days</h2>\n"
        body += SessionsChart.svg(facts.days, from: facts.period.first, count: facts.period.days) + "\n"
        body += failures(facts.failures)
        body += history(facts.history)
        return HTMLText.page(title: "danectl: \(facts.domain)", body: body)
    }

    /// The chain of trust from the root down to the zone where it broke, the broken link
    /// marked in words and colour, with what broke and the fix; the links below are not reached.
    static func chain(_ broken: ChainBreak?) -> String {
        guard let broken else { return "" }
        let brokenZone = broken.zone.hasSuffix(".") ? broken.zone.lowercased() : broken.zone.lowercased() + "."
        let labels = brokenZone.split(separator: ".").map(String.init)
        let zones = ["."] + labels.indices.reversed().map { labels[$0...].joined(separator: ".") + "." }
        let links = zones.map { zone -> String in
            guard zone == brokenZone else {
                return "<li><span class=\"label good\">SECURE</span> <code>\(HTMLEscaping.escape(zone))</code></li>"
            }
            return """
                <li><span class="label bad">BROKEN</span> <code>\(HTMLEscaping.escape(zone))</code>: \
                \(HTMLEscaping.escape(broken.kind.rawValue)): \(HTMLEscaping.escape(broken.description)). \
                Fix: \(HTMLEscaping.escape(broken.fix))</li>
                """
        }
        return """
            <h2>Chain of trust</h2>
            <ol>
            \(links.joined(separator: "\n"))
            <li><span class="label neutral">NOT REACHED</span> <code>\(HTMLEscaping.escape(broken.owner)) \(HTMLEscaping.escape(broken.type))</code></li>
            </ol>

            """
    }

    static func addresses(_ check: VerifyCheck) -> String {
        guard !check.addresses.isEmpty else { return "" }
        let rows = check.addresses.map { address -> String in
            """
            <tr><td>\(HTMLEscaping.escape(address.mx))</td><td>\(HTMLEscaping.escape(address.address))</td>\
            <td>\(HTMLEscaping.escape(address.verdict.uppercased()))</td><td>\(HTMLEscaping.escape(address.code ?? ""))</td>\
            <td>\(tlsa(address))</td>\
            <td>\(HTMLText.date(address.certificateExpiry))</td></tr>
            """
        }.joined(separator: "\n")
        return """
            <h2>MX hosts and addresses</h2>
            <table><thead><tr><th>MX host</th><th>Address</th><th>Verdict</th><th>Sender's result</th>\
            <th>TLSA records (the one matched marked)</th><th>Certificate expires</th></tr></thead>
            <tbody>
            \(rows)
            </tbody></table>

            """
    }

    /// The host's TLSA set, one per line, the record the certificate matched marked in words.
    static func tlsa(_ address: VerifyCheck.Address) -> String {
        let records = address.tlsa.isEmpty ? address.matched.map { [$0] } ?? [] : address.tlsa
        guard !records.isEmpty else { return "none" }
        return records.map { record -> String in
            let mark = record == address.matched ? " <strong>matched</strong>" : ""
            return "<code>\(HTMLEscaping.escape(record))</code>\(mark)"
        }.joined(separator: "<br>")
    }

    static func failures(_ summary: ReportSummary) -> String {
        let groups = summary.policies.flatMap { policy in policy.failures.map { (policy.policyType, $0) } }
        guard !groups.isEmpty else { return "<p>No failed sessions reported in this period.</p>\n" }
        let rows = groups.map { type, group -> String in
            """
            <tr><td>\(HTMLEscaping.escape(type))</td><td>\(HTMLEscaping.escape(group.mxHost ?? ""))</td>\
            <td><code>\(HTMLEscaping.escape(group.resultType))</code></td><td>\(group.sessions)</td>\
            <td>\(HTMLEscaping.escape(group.organizations.joined(separator: ", ")))</td>\
            <td>\(HTMLEscaping.escape(group.knownType?.fix ?? ""))</td></tr>
            """
        }.joined(separator: "\n")
        return """
            <h2>Failures senders reported</h2>
            <table><thead><tr><th>Policy</th><th>MX host</th><th>Result type</th><th>Sessions</th>\
            <th>Reported by</th><th>Fix</th></tr></thead>
            <tbody>
            \(rows)
            </tbody></table>

            """
    }

    static func history(_ checks: [VerifyCheck]) -> String {
        guard !checks.isEmpty else { return "" }
        let rows = checks.map { check -> String in
            "<tr><td>\(HTMLText.date(check.checkedAt))</td><td>\(HTMLText.label(check.outcome))</td>"
                + "<td>\(HTMLEscaping.escape(check.problem ?? ""))</td></tr>"
        }.joined(separator: "\n")
        return """
            <h2>Verify history</h2>
            <table><thead><tr><th>Checked</th><th>Status</th><th>First problem</th></tr></thead>
            <tbody>
            \(rows)
            </tbody></table>

            """
    }
}
