import Foundation
import XCTest

/// Rollover strategy advice that `generate` gives offline.
final class RolloverStrategyTests: XCTestCase {
    func testDaneTAOnARotatingPublicIntermediateIsWarnedAbout() throws {
        let folder = try TemporaryFolder()
        let made = try Processes.shell(
            """
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 30 \
              -subj "/C=US/O=Let's Encrypt/CN=E5" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=mx.example.com" 2>/dev/null
            openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial 5 -days 30 -out leaf.pem 2>/dev/null
            cat leaf.pem ca.pem > chain.pem
            """, directory: folder.path)
        XCTAssertEqual(made.status, 0, made.stderr)
        let pinned = try folder.write(
            "ta.yaml",
            "domain: example.com\nmx: [{host: mx.example.com, certificate: chain.pem, tlsa: [\"3 1 1\", \"2 1 1\"]}]\n")
        let warned = try Danectl.run(["generate", pinned])
        XCTAssertEqual(warned.status, 0)
        XCTAssertTrue(
            warned.stderr.contains("Let's Encrypt rotates its intermediates")
                && warned.stderr.contains("[tlsa-rotating-issuer]"), warned.stderr)

        let keyOnly = try folder.write(
            "ee.yaml", "domain: example.com\nmx: [{host: mx.example.com, certificate: chain.pem}]\n")
        let quiet = try Danectl.run(["generate", keyOnly])
        XCTAssertEqual(quiet.stderr, "", "3 1 1 alone needs no warning")
    }
}
