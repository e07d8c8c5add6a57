import DaneModel
import Foundation
import ReportStore
import StatusPages
import XCTest

/// The status pages `danectl serve` draws from the store (issue 25): every domain's newest
/// verify result, one domain's addresses, 30 days of TLS-RPT sessions as a chart, failures
/// with the fix, history, and the same facts as JSON; rendered by Debian's chromium as a
/// browser would, and hostile text escaped.
final class StatusPagesTests: XCTestCase {
    static let day = 86_400.0

    func check(_ domain: String, _ outcome: String, at time: Date, problem: String? = nil) -> VerifyCheck {
        VerifyCheck(
            domain: domain, checkedAt: time, outcome: outcome, codes: outcome == "pass" ? [] : ["tlsa-invalid"],
            problem: problem, certificateExpiry: time + 40 * Self.day, signatureExpiry: time + 9 * Self.day, drift: 0,
            addresses: [
                VerifyCheck.Address(
                    mx: "mx.example.com.", address: "192.0.2.25", verdict: outcome == "pass" ? "pass" : "fail",
                    code: outcome == "pass" ? nil : "tlsa-invalid", matched: outcome == "pass" ? "3 1 1 ab" : nil,
                    certificateExpiry: time + 40 * Self.day, tlsa: ["3 1 1 ab", "3 1 1 cd"])
            ])
    }

    /// A domain whose zone's signatures ran out: its chain of trust broke at broken.example.
    func broken(at time: Date) -> VerifyCheck {
        var check = check("broken.example", "dns-problem", at: time)
        check.chainBreak = ChainBreak(
            kind: .signatureExpired, zone: "broken.example.", owner: "_25._tcp.mx.broken.example.", type: "TLSA",
            signatures: [
                .init(
                    signer: "broken.example.", keyTag: 4242, algorithm: 13, inception: time - 30 * Self.day,
                    expiration: time - Self.day)
            ])
        return check
    }

    func testHostileTextIsEscapedAndEveryStatusHasWords() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let page = StatusIndexPage.html(
            [
                check("<script>alert(1)</script>.test", "dane-failure", at: now, problem: "\"quoted\" & <b>bold</b>"),
                check("example.com", "pass", at: now),
            ], now: now)
        XCTAssertFalse(page.contains("<script>"), "no markup from the data")
        XCTAssertTrue(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;.test"))
        XCTAssertTrue(page.contains("&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;"))
        XCTAssertTrue(
            page.contains(">DANE FAILS</span>") && page.contains(">PASS</span>"), "a text label, not colour alone")
        XCTAssertTrue(page.contains("<td>9</td>"), "days to the earlier expiry (the signature's)")
    }

    /// A report whose period is yesterday: inside the page's 30 days whenever the test runs.
    static func report(failed: Int, domain: String = "example.com") -> String {
        let formatter = ISO8601DateFormatter()
        let start = (Date().timeIntervalSince1970 / day).rounded(.down) * day - day
        let (from, to) = (
            formatter.string(from: Date(timeIntervalSince1970: start)),
            formatter.string(from: Date(timeIntervalSince1970: start + day - 1))
        )
        return """
            {"organization-name": "<script>alert(1)</script> Mail", "date-range": {"start-datetime": "\(from)", "end-datetime": "\(to)"},
             "contact-info": "tlsrpt@sender.example", "report-id": "status-\(from)",
             "policies": [{"policy": {"policy-type": "tlsa", "policy-domain": "\(domain)"},
               "summary": {"total-successful-session-count": 120, "total-failure-session-count": \(failed)},
               "failure-details": [{"result-type": "tlsa-invalid", "receiving-mx-hostname": "mx.example.com",
                 "receiving-ip": "192.0.2.25", "failed-session-count": \(failed)}]}]}
            """
    }

    func get(_ url: String) throws -> (status: String, type: String, body: String) {
        let result = try Processes.run(
            "curl", ["-s", "--noproxy", "*", "-D", "-", "-w", "\n%{http_code}", url])
        let parts = result.stdout.components(separatedBy: "\r\n\r\n")
        let head = parts.first ?? ""
        let rest = parts.dropFirst().joined(separator: "\r\n\r\n")
        let type =
            head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-type:") }
            .map { String($0.dropFirst("content-type:".count)).trimmingCharacters(in: .whitespaces) } ?? ""
        let status = String(rest.split(separator: "\n").last ?? "")
        return (status, type, String(rest.dropLast(status.count + 1)))
    }

    func testServeDrawsTheStoreAsPagesChartAndJSON() throws {
        let folder = try TemporaryFolder()
        let db = folder.file("status.sqlite")
        let ingested = try Danectl.run([
            "reports", "ingest", "--db", db, try folder.write("r.json", Self.report(failed: 7)),
        ])
        XCTAssertEqual(ingested.status, 0, ingested.stdout + ingested.stderr)
        let now = Date()
        let store = try ReportStore(path: db)
        try store.record(
            [check("example.com", "dane-failure", at: now - 3600, problem: "mx.example.com: 5.7.323 tlsa-invalid")],
            keepingFrom: now - 90 * Self.day)
        try store.record(
            [check("example.com", "pass", at: now - 60), broken(at: now - 60)],
            keepingFrom: now - 90 * Self.day)

        // Rollovers as described: example.com's MX has a deployment waiting for the gate, the
        // other domain's MX has no next key.
        let certificates = try TestCertificates.shared()
        let described = try folder.write(
            "domains.yaml",
            """
            domains:
              - domain: example.com
                mx: [{host: mx.example.com, priority: 10}]
              - domain: broken.example
                mx: [{host: mx.broken.example, priority: 10}]
            hosts:
              - host: mx.example.com
                certificate: \(certificates.file("p256-chain.pem"))
                next: \(certificates.file("rsa2048.key"))
              - host: mx.broken.example
                certificate: \(certificates.file("p256-self.pem"))
            """)
        _ = try folder.write(
            "domains.yaml.pending.json",
            """
            [{"host": "mx.example.com", "chain_pem": "", "key_pem": "", "source": "certbot", "since": "2026-12-01T00:00:00Z",
              "earliest_safe": "2026-12-01T00:10:00Z", "attempts": 2}]
            """)
        let server = try ServeProcess(["--db", db, "--description", described], in: folder, command: ["serve"])
        defer { XCTAssertEqual(server.stop(), 0) }
        let base = "http://127.0.0.1:\(server.port)"

        let index = try get(base + "/")
        XCTAssertEqual(index.status, "200")
        XCTAssertEqual(index.type, "text/html; charset=utf-8")
        XCTAssertTrue(index.body.contains("<a href=\"/domain/example.com\">example.com</a>"), index.body)
        XCTAssertTrue(index.body.contains(">PASS</span>"), "the newest run decides the row")
        XCTAssertTrue(
            index.body.contains("mx.example.com: deploy pending since 2026-12-01T00:00:00Z, safe now"), index.body)
        XCTAssertTrue(index.body.contains("<td>no next key described</td>"), index.body)
        XCTAssertTrue(index.body.contains("<option value=\"attention\">attention</option>"), "the filter form")
        XCTAssertFalse(index.body.contains("GRDB"), "strings are built as strings")
        let attention = try get(base + "/?status=attention")
        XCTAssertTrue(attention.body.contains(">broken.example</a>"), attention.body)
        XCTAssertFalse(attention.body.contains(">example.com</a>"), "a filter keeps only what needs attention")
        XCTAssertFalse(try get(base + "/?q=broken").body.contains(">example.com</a>"))
        // Hostile query strings: a page number past Int's range, markup in the filter text.
        XCTAssertEqual(try get(base + "/?page=9223372036854775807").status, "200")
        XCTAssertEqual(try get(base + "/api/domains?page=9223372036854775807").status, "200")
        let markup = try get(base + "/?q=%22%3E%3Cscript%3E&status=%3Cb%3E")
        XCTAssertEqual(markup.status, "200")
        XCTAssertFalse(markup.body.contains("<script>") || markup.body.contains("<b>"), markup.body)
        XCTAssertEqual(try get(base + "/healthz").status, "200", "the server is still there")

        let page = try get(base + "/domain/example.com")
        XCTAssertEqual(page.status, "200")
        XCTAssertEqual(page.body.components(separatedBy: "<g class=\"day\">").count - 1, 30, "one bar slot per day")
        XCTAssertTrue(page.body.contains("120 successful, 7 failed"), "yesterday's sessions in the chart")
        XCTAssertTrue(page.body.contains("<code>tlsa-invalid</code></td><td>7</td>"), "the failure group")
        XCTAssertTrue(
            page.body.contains("<code>3 1 1 ab</code> <strong>matched</strong><br><code>3 1 1 cd</code>"),
            "the host's TLSA set, the matched record marked: \(page.body)")
        XCTAssertTrue(page.body.contains("5.7.323 tlsa-invalid"), "the history keeps the earlier failure")
        XCTAssertFalse(page.body.contains("<script>"), "a sender's organisation name is text, never markup")

        let chain = try get(base + "/domain/broken.example").body
        XCTAssertTrue(
            chain.contains("SECURE</span> <code>.</code>") && chain.contains("SECURE</span> <code>example.</code>")
                && chain.contains("BROKEN</span> <code>broken.example.</code>: signature-expired"),
            "the chain drawn from the root to the broken link: \(chain)")
        XCTAssertTrue(chain.contains("NOT REACHED</span> <code>_25._tcp.mx.broken.example. TLSA</code>"))
        let brokenJSON = try get(base + "/api/domain/broken.example").body
        try SchemaCheck.assertValid(brokenJSON, "status-domain", "GET /api/domain/broken.example")
        XCTAssertTrue(brokenJSON.contains("\"kind\" : \"signature-expired\""), brokenJSON)

        let domains = try get(base + "/api/domains")
        XCTAssertEqual(domains.type, "application/json")
        try SchemaCheck.assertValid(domains.body, "status-domains", "GET /api/domains")
        let one = try get(base + "/api/domain/example.com")
        try SchemaCheck.assertValid(one.body, "status-domain", "GET /api/domain/example.com")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(one.body.utf8)) as? [String: Any])
        XCTAssertEqual((json["history"] as? [Any])?.count, 2)
        let daily = try XCTUnwrap(json["tlsrpt_daily"] as? [[String: Any]])
        XCTAssertEqual(daily.map { $0["failed"] as? Int }, [7])

        // Reports may be POSTed to any path: a GET elsewhere is the wrong method, not a file.
        XCTAssertEqual(try get(base + "/domain/..%2F..%2Fetc%2Fpasswd").status, "405")
        XCTAssertEqual(try get(base + "/nothing-here").status, "405")

        // What a browser makes of it: Debian's chromium, headless, no network past loopback.
        let chromium = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--user-data-dir=" + folder.file("chromium"),
        ]
        let browser = try Processes.run("chromium", chromium + ["--dump-dom", base + "/domain/example.com"])
        XCTAssertEqual(browser.status, 0, browser.stderr)
        XCTAssertTrue(browser.stdout.contains("<svg"), "the chart is in the rendered page")
        XCTAssertTrue(browser.stdout.contains("MX hosts and addresses"), browser.stdout)
        XCTAssertTrue(
            browser.stdout.contains("&lt;script&gt;alert(1)&lt;/script&gt; Mail"), "shown as text by the browser")
        // Screenshots of each page, kept as test artifacts (README's are made the same way).
        let artifacts = Repository.path(".build/test-artifacts")
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        for (name, path) in [("status-index", "/"), ("status-domain", "/domain/example.com")] {
            let shot = artifacts + "/\(name).png"
            try? FileManager.default.removeItem(atPath: shot)
            let taken = try Processes.run(
                "chromium", chromium + ["--window-size=1200,900", "--screenshot=" + shot, base + path])
            XCTAssertEqual(taken.status, 0, taken.stderr)
            let size = (try? FileManager.default.attributesOfItem(atPath: shot)[.size] as? Int) ?? 0
            XCTAssertGreaterThan(size, 10_000, "\(name): a screenshot with something on it")
        }
    }
}
