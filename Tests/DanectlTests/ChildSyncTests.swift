import Foundation
import XCTest

/// CDS and CDNSKEY (RFC 7344, RFC 8078): `ds --cds/--cdnskey` print them, `sign --cds` adds
/// them for the key-signing keys, signed by those keys, and BIND's `dnssec-cds` — the
/// parent's side — computes from them the DS set the parent should publish.
final class ChildSyncTests: XCTestCase {
    static let zoneText = """
        $ORIGIN example.com.
        $TTL 300
        @ IN SOA ns hostmaster 2026010100 3600 600 86400 60
        @ IN NS ns
        ns IN A 192.0.2.1
        """

    func key(_ folder: TemporaryFolder, ksk: Bool) throws -> String {
        let made = try Danectl.run(["keygen", "example.com", "--directory", folder.path] + (ksk ? ["--ksk"] : []))
        XCTAssertEqual(made.status, 0, made.stderr)
        return folder.file(made.stdout.trimmingCharacters(in: .newlines))
    }

    func ds(_ key: String, _ extra: [String] = []) throws -> String {
        let result = try Danectl.run(["ds", key] + extra)
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout
    }

    /// The RDATA after the type in a record line.
    func rdata(_ line: Substring, type: String) -> String {
        let fields = (line.split(separator: ";").first ?? line).split(whereSeparator: { $0 == " " || $0 == "\t" }).map(
            String.init)
        guard let index = fields.firstIndex(of: type) else { return "" }
        return fields[(index + 1)...].joined(separator: " ").uppercased()
    }

    func testDSCommandPrintsTheChildsCDSAndCDNSKEY() throws {
        let folder = try TemporaryFolder()
        let ksk = try key(folder, ksk: true)
        let both = try ds(ksk, ["--cds", "--cdnskey"]).split(separator: "\n")
        XCTAssertEqual(both.count, 2)
        let parent = try ds(ksk).split(separator: "\n")[0]
        XCTAssertEqual(rdata(both[0], type: "CDS"), rdata(parent, type: "DS"), "CDS carries the DS's digest")
        let dnskey = try XCTUnwrap(
            try String(contentsOfFile: ksk + ".key", encoding: .utf8).split(separator: "\n").first {
                $0.contains("DNSKEY")
            })
        XCTAssertEqual(rdata(both[1], type: "CDNSKEY"), rdata(dnskey, type: "DNSKEY"), "CDNSKEY carries the DNSKEY")
        XCTAssertTrue(both[0].hasPrefix("example.com. "), "owned by the child's apex")
    }

    /// A KSK rollover: the parent has KSK1's DS; the child publishes CDS for KSK1 and KSK2;
    /// dnssec-cds validates them with the DS it has and answers with the new DS set.
    func testSignCDSIsPickedUpByDnssecCds() throws {
        let folder = try TemporaryFolder()
        let ksk1 = try key(folder, ksk: true), ksk2 = try key(folder, ksk: true), zsk = try key(folder, ksk: false)
        let zone = try folder.write("example.com.zone", Self.zoneText)
        let output = folder.file("signed")
        let signed = try Danectl.run(["sign", zone, "--key", ksk1, "--key", ksk2, "--key", zsk, "--cds", "-o", output])
        XCTAssertEqual(signed.status, 0, signed.stderr)
        try assertValid(output, "with CDS and CDNSKEY")
        let text = try String(contentsOfFile: output, encoding: .utf8)
        let lines = text.split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.contains("\tCDS\t") }.count, 2)
        XCTAssertEqual(lines.filter { $0.contains("\tCDNSKEY\t") }.count, 2, "the ZSK has no CDNSKEY")
        let zskTag = String(zsk.split(separator: "+").last!).replacingOccurrences(
            of: "^0+", with: "", options: .regularExpression)
        let keySetSignatures = lines.filter { $0.contains("RRSIG\tCDS ") || $0.contains("RRSIG\tCDNSKEY ") }
        XCTAssertEqual(keySetSignatures.count, 4, "each KSK signs CDS and CDNSKEY")
        XCTAssertFalse(
            keySetSignatures.contains { $0.contains(" \(zskTag) example.com.") },
            "the parent checks them against its DS: KSKs sign them")

        let dsset = try folder.write("dsset-example.com.", try ds(ksk1))
        let parent = try Processes.run("dnssec-cds", ["-s", "-86400", "-f", output, "-d", dsset, "example.com"])
        XCTAssertEqual(parent.status, 0, "dnssec-cds: \(parent.stderr)")
        let newSet = Set(parent.stdout.split(separator: "\n").map { rdata($0, type: "DS") })
        let expected = Set([try ds(ksk1), try ds(ksk2)].map { rdata($0.split(separator: "\n")[0], type: "DS") })
        XCTAssertEqual(newSet, expected, "the parent's new DS set: both KSKs")
    }

    func testCDSDeleteAsksTheParentToRemoveTheDS() throws {
        let folder = try TemporaryFolder()
        let ksk = try key(folder, ksk: true), zsk = try key(folder, ksk: false)
        let zone = try folder.write(
            "example.com.zone", Self.zoneText + "\n@ IN CDS 1 13 2 " + String(repeating: "ab", count: 32) + "\n")
        let output = folder.file("signed")
        let signed = try Danectl.run(["sign", zone, "--key", ksk, "--key", zsk, "--cds-delete", "-o", output])
        XCTAssertEqual(signed.status, 0, signed.stderr)
        try assertValid(output, "with the delete form")
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(
            lines.filter { $0.contains("\tCDS\t") }.map { rdata($0, type: "CDS") }, ["0 0 0 00"],
            "the file's CDS is replaced")
        XCTAssertEqual(lines.filter { $0.contains("\tCDNSKEY\t") }.map { rdata($0, type: "CDNSKEY") }, ["0 3 0 AA=="])
        let dsset = try folder.write("dsset-example.com.", try ds(ksk))
        let parent = try Processes.run("dnssec-cds", ["-s", "-86400", "-u", "-f", output, "-d", dsset, "example.com"])
        XCTAssertEqual(parent.status, 0, "dnssec-cds: \(parent.stderr)")
        let current = rdata(try ds(ksk).split(separator: "\n")[0], type: "DS")
        XCTAssertTrue(parent.stdout.uppercased().contains("UPDATE DEL EXAMPLE.COM. IN DS \(current)"), parent.stdout)
        XCTAssertEqual(try Danectl.run(["sign", zone, "--key", ksk, "--cds", "--cds-delete"]).status, 64)
    }
}
