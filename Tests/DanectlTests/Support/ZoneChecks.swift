import Foundation
import XCTest

/// DNSSEC helpers shared by the signing tests: keys made by danectl, and a signed zone
/// checked by both servers' loaders and both validators.
extension XCTestCase {
    func makeKeys(in folder: TemporaryFolder) throws -> (ksk: String, zsk: String) {
        let ksk = try Danectl.run(["keygen", "example.com", "--ksk", "--directory", folder.path])
        let zsk = try Danectl.run(["keygen", "example.com", "--directory", folder.path])
        XCTAssertEqual(ksk.status, 0, ksk.stderr)
        XCTAssertEqual(zsk.status, 0, zsk.stderr)
        return (
            folder.file(ksk.stdout.trimmingCharacters(in: .newlines)),
            folder.file(zsk.stdout.trimmingCharacters(in: .newlines))
        )
    }

    func assertValid(_ path: String, _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        // It loads in both servers operators run...
        let named = try Processes.run("named-checkzone", ["example.com", path])
        XCTAssertEqual(named.status, 0, "\(label): named-checkzone: \(named.stdout)", file: file, line: line)
        let nsd = try Processes.run("nsd-checkzone", ["example.com", path])
        XCTAssertEqual(nsd.status, 0, "\(label): nsd-checkzone: \(nsd.stdout)\(nsd.stderr)", file: file, line: line)
        // ...and validates in both validators.
        let ldns = try Processes.run("ldns-verify-zone", [path])
        XCTAssertEqual(
            ldns.status, 0, "\(label): ldns-verify-zone: \(ldns.stdout)\(ldns.stderr)", file: file, line: line)
        let bind = try Processes.run("dnssec-verify", ["-o", "example.com", path])
        XCTAssertEqual(bind.status, 0, "\(label): dnssec-verify: \(bind.stdout)\(bind.stderr)", file: file, line: line)
    }
}
