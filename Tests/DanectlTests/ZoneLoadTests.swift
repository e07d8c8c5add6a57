import Foundation
import XCTest

/// Generated snippets, $INCLUDEd into a minimal zone, must load in the servers operators run
/// (named-checkzone, nsd-checkzone) and parse in ldns-read-zone, record for record.
final class ZoneLoadTests: XCTestCase {
    struct Row: Decodable { let owner: String; let rdata: String; let type: String; let zone: String }
    struct Document: Decodable { let records: [Row] }

    func testBindSnippetsLoadInEveryAnchor() throws {
        try checkExample("Examples/example.com/domain.yaml", format: "bind")
        try checkExample("Examples/hosting-provider/provider.yaml", format: "bind")
    }

    func testNSDSnippetsLoadInEveryAnchor() throws {
        try checkExample("Examples/example.com/domain.yaml", format: "nsd")
        try checkExample("Examples/hosting-provider/provider.yaml", format: "nsd")
    }

    func testLongTLSRPTRecordIsSplitIntoCharacterStringsThatLoad() throws {
        let folder = try TemporaryFolder()
        let uris = (1...12).map { "\"https://tlsrpt-collector-\($0).reports.example.com/v1/submit\"" }.joined(
            separator: ", ")
        let description = try folder.write(
            "long.yaml",
            """
            domain: example.com
            mx: [{host: mx1.example.com, priority: 10}]
            tlsrpt: {rua: [\(uris)]}
            """)
        let records = try check(description: description, format: "bind", expectedZones: ["example.com."])
        let txt = try XCTUnwrap(records.first { $0.type == "TXT" })
        let strings = txt.rdata.components(separatedBy: "\" \"")
        XCTAssertGreaterThan(strings.count, 1, "a \(txt.rdata.count)-byte record must be split")
        // What the server reassembles must be exactly the policy text.
        let joined = strings.joined().trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        XCTAssertTrue(joined.hasPrefix("v=TLSRPTv1; rua=https://tlsrpt-collector-1."))
        XCTAssertTrue(joined.hasSuffix("collector-12.reports.example.com/v1/submit"))
    }

    // MARK: -

    func checkExample(_ relative: String, format: String) throws {
        let json = try Danectl.run(["generate", Repository.path(relative), "--format", "json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let zones = Set(try JSONDecoder().decode(Document.self, from: Data(json.stdout.utf8)).records.map(\.zone))
        try check(description: Repository.path(relative), format: format, expectedZones: zones)
    }

    /// Writes one snippet per zone, wraps each in a minimal zone and loads it everywhere.
    @discardableResult
    func check(description: String, format: String, expectedZones: Set<String>) throws -> [Row] {
        let folder = try TemporaryFolder()
        let snippets = folder.path + "/snippets/"
        let result = try Danectl.run(["generate", description, "--format", format, "--output", snippets])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try Danectl.run(["generate", description, "--format", "json"])
        let records = try JSONDecoder().decode(Document.self, from: Data(json.stdout.utf8)).records
        let files = try FileManager.default.contentsOfDirectory(atPath: snippets).filter { !$0.hasPrefix(".") }.sorted()
        XCTAssertEqual(Set(files), Set(expectedZones.map { "\($0.dropLast()).\(format)" }))

        for zone in expectedZones {
            let inZone = records.filter { $0.zone == zone }
            let snippet = snippets + "\(zone.dropLast()).\(format)"
            let zoneFile = try folder.write("\(zone)zone", minimalZone(zone, including: snippet, records: inZone))

            let named = try Processes.run(
                "named-checkzone", ["-k", "fail", "-m", "fail", "-n", "fail", String(zone.dropLast()), zoneFile])
            XCTAssertEqual(named.status, 0, "named-checkzone \(zone):\n\(named.stdout)\(named.stderr)")
            XCTAssertTrue(named.stdout.contains("OK"), named.stdout)

            let nsd = try Processes.run("nsd-checkzone", [zone, zoneFile])
            XCTAssertEqual(nsd.status, 0, "nsd-checkzone \(zone):\n\(nsd.stdout)\(nsd.stderr)")
            XCTAssertTrue(nsd.stdout.contains("is ok"), nsd.stdout)

            // ldns-read-zone has no $INCLUDE: give it the same zone with the snippet inlined.
            let inlined = try minimalZone(zone, including: snippet, records: inZone)
                .replacingOccurrences(
                    of: "$INCLUDE \(snippet)\n", with: String(contentsOfFile: snippet, encoding: .utf8))
            let ldns = try Processes.run("ldns-read-zone", ["-z", try folder.write("\(zone)inlined", inlined)])
            XCTAssertEqual(ldns.status, 0, "ldns-read-zone \(zone): \(ldns.stderr)")
            // Every generated record comes back out of ldns, same owner, type and data.
            let parsed = ldns.stdout.split(separator: "\n").map {
                $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            }
            for record in inZone {
                let fields = record.rdata.split(separator: " ").map(String.init)
                let found = parsed.contains { line in
                    line.count >= 4 && line[0] == record.owner && line[3] == record.type
                        && Array(line.dropFirst(4)).joined(separator: " ").lowercased()
                            == fields.joined(separator: " ").lowercased()
                }
                XCTAssertTrue(found, "ldns-read-zone lost \(record.owner) \(record.type) \(record.rdata)")
            }
        }
        return records
    }

    func minimalZone(_ zone: String, including snippet: String, records: [Row]) -> String {
        var text = """
            $ORIGIN \(zone)
            $TTL 3600
            @ IN SOA ns1.\(zone) hostmaster.\(zone) 1 7200 3600 1209600 300
            @ IN NS ns1.\(zone)
            ns1 IN A 192.0.2.53

            """
        // MX targets inside the zone need addresses, or the servers refuse the zone.
        let targets = Set(
            records.filter { $0.type == "MX" }.compactMap { $0.rdata.split(separator: " ").last.map(String.init) })
        for target in targets.sorted() where target.hasSuffix("." + zone) {
            text += "\(target) IN A 192.0.2.25\n"
        }
        return text + "$INCLUDE \(snippet)\n"
    }
}
