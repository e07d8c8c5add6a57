import DaneModel
import FoundationEssentials
import PlainText
import ReportStore

/// `GET /`: every domain verify has kept, one row each from its newest run: the outcome as a
/// label, the first problem in the sender's words with its codes, days until the next
/// certificate or signature runs out, drift, and when it was checked.
public enum StatusIndexPage {
    /// Which rows a page shows: a part of the name, a status (or `attention`: every status but
    /// PASS), and the page of `perPage` rows.
    public struct Filter: Sendable, Equatable {
        public var text: String?
        public var status: String?
        public var page = 1
        public static let perPage = 200
        static let lastPage = 1_000_000

        public init(text: String? = nil, status: String? = nil, page: Int = 1) {
            // The page number comes from the URL: bounded, so no product of it can overflow.
            (self.text, self.status, self.page) = (
                text?.isEmpty == true ? nil : text, status, min(max(1, page), Self.lastPage)
            )
        }

        /// From a request's query: `q=`, `status=`, `page=`.
        public init(query: String?) {
            let items = URLComponents(string: "/?" + (query ?? ""))?.queryItems ?? []
            func value(_ name: String) -> String? { items.first { $0.name == name }?.value }
            self.init(
                text: value("q")?.lowercased(), status: value("status").flatMap { $0.isEmpty ? nil : $0 },
                page: value("page").flatMap(Int.init) ?? 1)
        }

        func keeps(_ check: VerifyCheck) -> Bool {
            if let text, !check.domain.contains(text) { return false }
            switch status {
            case nil: return true
            case "attention": return check.outcome != "pass"
            case let wanted?: return check.outcome == wanted
            }
        }

        /// The rows of this page, and whether a next page exists.
        public func apply(_ checks: [VerifyCheck]) -> (rows: [VerifyCheck], more: Bool) {
            let kept = checks.filter(keeps)
            let start = (page - 1) * Self.perPage
            guard start < kept.count else { return ([], false) }
            let end = min(kept.count, start + Self.perPage)
            return (Array(kept[start..<end]), end < kept.count)
        }
    }

    static let statuses = [
        "attention", "pass", "warning", "not-protected", "null-mx", "mta-sts-failure", "dane-failure", "dns-problem",
    ]

    public static func html(
        _ all: [VerifyCheck], now: Date, filter: Filter = Filter(), rollover: [String: String] = [:]
    ) -> String {
        let (checks, more) = filter.apply(all)
        let rows = checks.map { check -> String in
            let name = HTMLEscaping.escape(check.domain)
            let expiry = [check.certificateExpiry, check.signatureExpiry].compactMap { $0 }.min()
            let days = HTMLText.days(until: expiry, from: now).map { String($0) } ?? ""
            let drift =
                check.drift.map { (count: Int) -> String in count == 0 ? "none" : "\(count) record(s)" }
                ?? "not compared"
            return """
                <tr><td><a href="/domain/\(HTMLEscaping.escape(PercentEncoding.path(check.domain)))">\(name)</a></td>\
                <td>\(HTMLText.label(check.outcome))</td>\
                <td>\(HTMLEscaping.escape(check.problem ?? ""))\(codes(check.codes))</td>\
                <td>\(days)</td><td>\(HTMLEscaping.escape(drift))</td>\
                <td>\(HTMLEscaping.escape(rollover[check.domain] ?? ""))</td><td>\(HTMLText.date(check.checkedAt))</td></tr>
                """
        }.joined(separator: "\n")
        let failing = all.filter { !["pass", "warning", "null-mx"].contains($0.outcome) }.count
        let body = """
            <h1>Receiving domains</h1>
            <p>\(all.count) domain(s) checked by <code>danectl verify --db</code>; \(failing) not protected or failing.</p>
            \(all.isEmpty ? "<p>No verify results are kept yet: run <code>danectl verify --db STORE DOMAIN…</code>.</p>" : "")
            \(form(filter))
            <table>
            <thead><tr><th>Domain</th><th>Status</th><th>First problem</th><th>Days to next expiry</th><th>Drift</th><th>Rollover</th><th>Checked</th></tr></thead>
            <tbody>
            \(rows)
            </tbody>
            </table>
            \(pages(filter, more: more))
            """
        return HTMLText.page(title: "danectl: receiving domains", body: body)
    }

    /// A plain GET form: filtering needs no script.
    static func form(_ filter: Filter) -> String {
        let options = ([""] + statuses).map { status -> String in
            let words = status.isEmpty ? "any status" : status
            let selected = filter.status == status || (status.isEmpty && filter.status == nil) ? " selected" : ""
            return "<option value=\"\(HTMLEscaping.escape(status))\"\(selected)>\(HTMLEscaping.escape(words))</option>"
        }.joined()
        return """
            <form method="get" action="/"><label>Domain contains <input name="q" value="\(HTMLEscaping.escape(filter.text ?? ""))"></label> \
            <label>Status <select name="status">\(options)</select></label> <button type="submit">Show</button></form>
            """
    }

    static func pages(_ filter: Filter, more: Bool) -> String {
        func link(_ page: Int, _ words: String) -> String {
            var items = [URLQueryItem(name: "page", value: String(page))]
            if let text = filter.text { items.append(URLQueryItem(name: "q", value: text)) }
            if let status = filter.status { items.append(URLQueryItem(name: "status", value: status)) }
            var components = URLComponents()
            components.queryItems = items
            return "<a href=\"/\(HTMLEscaping.escape(components.string ?? ""))\">\(words)</a>"
        }
        let links =
            (filter.page > 1 ? [link(filter.page - 1, "previous page")] : [])
            + (more ? [link(filter.page + 1, "next page")] : [])
        return links.isEmpty ? "" : "<p>Page \(filter.page): " + links.joined(separator: " · ") + "</p>"
    }

    static func codes(_ codes: [String]) -> String {
        codes.isEmpty
            ? ""
            : " <small>("
                + codes.map { (code: String) -> String in "<code>\(HTMLEscaping.escape(code))</code>" }.joined(
                    separator: ", ") + ")</small>"
    }
}
