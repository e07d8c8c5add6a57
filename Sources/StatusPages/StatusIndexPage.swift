import DaneModel
import Foundation
import ReportStore

/// `GET /`: every domain verify has kept, one row each from its newest run: the outcome as a
/// label, the first problem in the sender's words with its codes, days until the next
/// certificate or signature runs out, drift, and when it was checked.
public enum StatusIndexPage {
    public static func html(_ checks: [VerifyCheck], now: Date) -> String {
        let rows = checks.map { check -> String in
            let name = HTMLText.escape(check.domain)
            let expiry = [check.certificateExpiry, check.signatureExpiry].compactMap { $0 }.min()
            let days = HTMLText.days(until: expiry, from: now).map { "\($0)" } ?? ""
            let drift = check.drift.map { $0 == 0 ? "none" : "\($0) record(s)" } ?? "not compared"
            return """
                <tr><td><a href="/domain/\(HTMLText.escape(check.domain.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? ""))">\(name)</a></td>\
                <td>\(HTMLText.label(check.outcome))</td>\
                <td>\(HTMLText.escape(check.problem ?? ""))\(codes(check.codes))</td>\
                <td>\(days)</td><td>\(HTMLText.escape(drift))</td><td>\(HTMLText.date(check.checkedAt))</td></tr>
                """
        }.joined(separator: "\n")
        let failing = checks.filter { !["pass", "warning", "null-mx"].contains($0.outcome) }.count
        let body = """
            <h1>Receiving domains</h1>
            <p>\(checks.count) domain(s) checked by <code>danectl verify --db</code>; \(failing) not protected or failing.</p>
            \(checks.isEmpty ? "<p>No verify results are kept yet: run <code>danectl verify --db STORE DOMAIN…</code>.</p>" : "")
            <table>
            <thead><tr><th>Domain</th><th>Status</th><th>First problem</th><th>Days to next expiry</th><th>Drift</th><th>Checked</th></tr></thead>
            <tbody>
            \(rows)
            </tbody>
            </table>
            """
        return HTMLText.page(title: "danectl: receiving domains", body: body)
    }

    static func codes(_ codes: [String]) -> String {
        codes.isEmpty
            ? ""
            : " <small>(" + codes.map { "<code>\(HTMLText.escape($0))</code>" }.joined(separator: ", ") + ")</small>"
    }
}
