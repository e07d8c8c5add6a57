import DaneFeatures
import DaneModel
import Foundation
import XCTest

/// Issue 23: a TLS handshake that fails says OpenSSL's reason (an old protocol, a legacy
/// signature), never a bare "the handshake failed": the reason was lost by reading the error
/// string's fields by position.
final class TLSReasonTests: XCTestCase {
    /// The one address of the policy host, whatever is asked.
    struct OneAddress: DNSLookup {
        func lookup(_ name: DNSName, _ type: RRType) -> ClassifiedAnswer {
            let records = type == .a ? [DNSRecord(owner: name, type: .a, ttl: 60, data: .address("127.0.0.1"))] : []
            return ClassifiedAnswer(
                status: .secure, response: DNSResponse(code: .noError, authenticated: true, answer: records),
                problem: nil)
        }
        func ask(server: String, _ name: DNSName, _ type: RRType) throws(ResolverError) -> DNSResponse {
            DNSResponse(code: .refused, authenticated: false, answer: [])
        }
        func resolverAnswers() -> Bool { true }
    }

    func testAnOldTLSServerIsToldWithOpenSSLsReason() throws {
        let folder = try TemporaryFolder()
        let made = try Processes.shell(
            """
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k.pem -out c.pem -subj /CN=mta-sts.example.test -days 2 2>/dev/null
            """, directory: folder.path)
        XCTAssertEqual(made.status, 0)
        let port = try Processes.run(
            "python3", ["-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"]
        )
        .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        server.arguments = [
            "s_server", "-accept", "127.0.0.1:\(port)", "-cert", folder.file("c.pem"), "-key", folder.file("k.pem"),
            "-tls1", "-cipher", "DEFAULT@SECLEVEL=0", "-www", "-quiet",
        ]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate() }
        var result: Result<String, PolicyFetch.Failure> = .failure(.fetch("not tried"))
        for _ in 0..<50 {
            result = PolicyFetch().fetchPolicy(
                domain: DNSName(presentation: "example.test")!, lookup: OneAddress(),
                settings: PolicyFetchSettings(timeout: 5, caFile: folder.file("c.pem"), port: UInt16(port)!))
            if case .failure(.fetch(let why)) = result, why.contains("cannot connect") {
                Thread.sleep(forTimeInterval: 0.1); continue
            }
            break
        }
        guard case .failure(.fetch(let why)) = result else { return XCTFail("a TLS 1.0 server must fail: \(result)") }
        XCTAssertTrue(why.contains("the TLS handshake with mta-sts.example.test failed: "), why)
        XCTAssertFalse(why.hasSuffix("failed: "), "OpenSSL's reason is kept: \(why)")
    }
}
