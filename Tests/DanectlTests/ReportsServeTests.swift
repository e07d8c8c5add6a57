import Foundation
import XCTest

/// `reports serve` as a mailbox citizen and a stranger-facing server: a health endpoint, one
/// log line per request, 202 for a conflicting report, bounded connections and heads, and TLS
/// by nginx in front of it (contrib/nginx), as operators deploy it.
final class ReportsServeTests: XCTestCase {
    func post(
        _ url: String, _ body: String, type: String = "application/tlsrpt+json", extra: [String] = []
    ) throws -> String {
        let result = try Processes.run(
            "curl",
            [
                "-s", "--noproxy", "*", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: \(type)",
                "--data-binary", body,
            ] + extra + [url])
        return result.stdout
    }

    func testHealthConflictsAndALogLinePerRequest() throws {
        let folder = try TemporaryFolder()
        let server = try ServeProcess(["--db", folder.file("r.sqlite")], in: folder)
        let base = "http://127.0.0.1:\(server.port)"
        let health = try Processes.run("curl", ["-s", "--noproxy", "*", "-w", "\n%{http_code}", base + "/healthz"])
        XCTAssertEqual(health.stdout, "ok\n\n200")
        XCTAssertEqual(try post(base + "/tlsrpt", ReportsIdentityTests.report(successful: 1)), "201")
        XCTAssertEqual(try post(base + "/tlsrpt", ReportsIdentityTests.report(successful: 1)), "200")
        XCTAssertEqual(
            try post(base + "/tlsrpt", ReportsIdentityTests.report(successful: 2)), "202",
            "same identity, other content: kept for review")
        XCTAssertEqual(
            try post(base + "/tlsrpt", ReportsIdentityTests.report(organization: "Other", successful: 2)), "201")
        let wrongMethod = try Processes.run(
            "curl", ["-s", "--noproxy", "*", "-o", "/dev/null", "-w", "%{http_code}", base + "/tlsrpt"])
        XCTAssertEqual(wrongMethod.stdout, "405")
        XCTAssertEqual(server.stop(), 0)
        let requests = server.lines.split(separator: "\n").filter {
            $0.contains("\"POST /tlsrpt\"") || $0.contains("\"GET /")
        }
        XCTAssertEqual(requests.count, 6, server.lines)
        XCTAssertTrue(server.lines.contains("127.0.0.1 \"POST /tlsrpt\" 202"), server.lines)
        let listed = try Danectl.run(["reports", "rejected", "--db", folder.file("r.sqlite")])
        XCTAssertTrue(listed.stdout.contains("POST /tlsrpt from 127.0.0.1"), listed.stdout)
    }

    /// Idle and half-sent requests cannot hold the server: past --max-connections a new one is
    /// answered 503 at once, and a head that never ends is answered 408 and closed.
    func testConnectionsAndHeadsAreBounded() throws {
        let folder = try TemporaryFolder()
        let server = try ServeProcess(["--db", folder.file("r.sqlite"), "--max-connections", "2"], in: folder)
        let script = """
            import socket, sys, time
            port = int(sys.argv[1])
            idle = [socket.create_connection(('127.0.0.1', port)) for _ in range(2)]
            for s in idle: s.sendall(b'POST /x HTTP/1.1\\r\\nHost: a\\r\\n')   # half a head each
            time.sleep(0.5)
            third = socket.create_connection(('127.0.0.1', port))
            third.settimeout(5)
            print(third.recv(100).split(b'\\r\\n')[0].decode())
            started = time.time()
            idle[0].settimeout(20)
            answer = idle[0].recv(100).split(b'\\r\\n')[0].decode()
            print(answer, round(time.time() - started))
            """
        let result = try Processes.run("python3", ["-c", script, server.port])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "HTTP/1.1 503 Service Unavailable", result.stdout + result.stderr)
        XCTAssertEqual(
            lines.dropFirst().first?.hasPrefix("HTTP/1.1 408 Request Timeout"), true, result.stdout + result.stderr)
        // Once the half-sent heads were let go, the server answers again.
        let health = try Processes.run("curl", ["-s", "--noproxy", "*", "http://127.0.0.1:\(server.port)/healthz"])
        XCTAssertEqual(health.stdout, "ok\n")
        XCTAssertEqual(server.stop(), 0)
    }

    /// Framing that a proxy and this server could read differently is refused.
    func testAmbiguousFramingIsRefused() throws {
        let folder = try TemporaryFolder()
        let server = try ServeProcess(["--db", folder.file("r.sqlite")], in: folder)
        let script = """
            import socket, sys
            def ask(raw):
                s = socket.create_connection(('127.0.0.1', int(sys.argv[1]))); s.sendall(raw); s.settimeout(15)
                print(s.recv(100).split(b'\\r\\n')[0].decode())
            ask(b'POST / HTTP/1.1\\r\\nContent-Type: application/tlsrpt+json\\r\\nContent-Length: 4\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n')
            ask(b'POST / HTTP/1.1\\r\\nContent-Type: application/tlsrpt+json\\r\\nContent-Length: 4\\r\\nContent-Length: 5\\r\\n\\r\\nabcde')
            ask(b'POST / HTTP/1.1\\r\\nContent-Type: application/tlsrpt+json\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\n')
            ask(b'POST / HTTP/2.0\\r\\n\\r\\n')
            ask(b'POST / HTTP/1.1\\r\\nContent-Type: application/tlsrpt+json\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nzz\\r\\n')
            """
        let result = try Processes.run("python3", ["-c", script, server.port])
        XCTAssertEqual(
            result.stdout.split(separator: "\n").map { $0.split(separator: " ")[1] },
            ["400", "400", "501", "505", "400"], result.stdout + result.stderr)
        XCTAssertEqual(server.stop(), 0)
    }

    /// The deployment README recommends: nginx terminates TLS with the operator's certificate
    /// (here the test CA's) and proxies to serve on loopback, using contrib/nginx's file.
    func testServeBehindNginxTerminatingTLS() throws {
        let certificates = try TestCertificates.shared()
        let folder = try TemporaryFolder()
        let db = folder.file("r.sqlite")
        let server = try ServeProcess(["--db", db], in: folder)
        let port = try Processes.run(
            "python3", ["-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"]
        )
        .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let nginx = try NginxSite(
            "danectl-reports.conf",
            [
                ("@LISTEN@", "listen 127.0.0.1:\(port) ssl;"), ("@SERVER_NAME@", "server_name p256.example.net;"),
                ("@CERTIFICATE@", "ssl_certificate \(certificates.file("p256-chain.pem"));"),
                ("@KEY@", "ssl_certificate_key \(certificates.file("p256.key"));"),
                ("@UPSTREAM@", "proxy_pass http://127.0.0.1:\(server.port);"),
            ], in: folder)
        defer { nginx.stop() }
        let url = "https://p256.example.net:\(port)/tlsrpt"
        var code = ""
        for _ in 0..<50 {
            code = try post(
                url, ReportsIdentityTests.report(),
                extra: ["--cacert", certificates.file("ca.pem"), "--resolve", "p256.example.net:\(port):127.0.0.1"])
            if code != "000" { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTAssertEqual(code, "201", nginx.errors)
        let untrusted = try post(
            url, ReportsIdentityTests.report(organization: "X"),
            extra: ["--resolve", "p256.example.net:\(port):127.0.0.1"])
        XCTAssertEqual(untrusted, "000", "without the CA, curl refuses nginx's certificate")
        XCTAssertEqual(server.stop(), 0)
        let stored = try Danectl.run(["reports", "summary", "--db", db, "--format", "json"])
        XCTAssertTrue(
            stored.stdout.contains("\"successful_sessions\" : 750")
                || stored.stdout.contains("\"successful_sessions\":750"), stored.stdout)
    }
}
