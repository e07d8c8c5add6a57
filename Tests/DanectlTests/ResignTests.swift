import Foundation
import XCTest

/// Re-signing keeps every signature that still verifies over unchanged data with a key still
/// given and outside the refresh window; the rest is made anew. Two signed versions one TLSA
/// change apart differ only in that RRset, its signature and the SOA.
final class ResignTests: XCTestCase {
    static let zoneText = """
        $ORIGIN example.com.
        $TTL 300
        @ IN SOA ns hostmaster 2026010100 3600 600 86400 60
        @ IN NS ns
        ns IN A 192.0.2.1
        mx1 IN A 192.0.2.25
        mx2 IN A 192.0.2.26
        _25._tcp.mx1 IN TLSA 3 1 1 \(String(repeating: "aa", count: 32))
        _25._tcp.mx2 IN TLSA 3 1 1 \(String(repeating: "bb", count: 32))
        www IN A 192.0.2.80
        """

    /// Lines in one file and not the other (order kept, as a diff tool counts them).
    func changedLines(_ a: String, _ b: String) throws -> [String] {
        let x = try String(contentsOfFile: a, encoding: .utf8).split(separator: "\n").map(String.init)
        let y = try String(contentsOfFile: b, encoding: .utf8).split(separator: "\n").map(String.init)
        return Array(Set(x).symmetricDifference(Set(y))).sorted()
    }

    /// sign's note: "(K kept: S by their seal, V verified; N new)".
    static func keptCounts(_ note: String) -> (kept: Int, bySeal: Int, verified: Int, new: Int)? {
        guard
            let match = note.firstMatch(
                of: #/\((\d+) kept: (\d+) by their seal, (\d+) verified; (\d+) new\)/#)
        else { return nil }
        return (Int(match.1)!, Int(match.2)!, Int(match.3)!, Int(match.4)!)
    }

    func sign(_ zone: String, _ keys: [String], _ output: String, _ extra: [String] = []) throws -> ProcessResult {
        let result = try Danectl.run(["sign", zone, "-o", output] + keys.flatMap { ["--key", $0] } + extra)
        XCTAssertEqual(result.status, 0, result.stderr)
        return result
    }

    func testAnUnchangedZoneKeepsEverySignatureButTheSOAs() throws {
        for denial in [[String](), ["--nsec3"]] {
            let folder = try TemporaryFolder()
            let (ksk, zsk) = try makeKeys(in: folder)
            let zone = try folder.write("example.com.zone", Self.zoneText)
            _ = try sign(zone, [ksk, zsk], folder.file("one"), denial)
            let again = try sign(folder.file("one"), [ksk, zsk], folder.file("two"), denial)
            let kept = try XCTUnwrap(Self.keptCounts(again.stderr), again.stderr)
            XCTAssertEqual(kept.new, 1, "the SOA's: \(again.stderr)")
            XCTAssertEqual(kept.bySeal, kept.kept, "each proven by the seal danectl wrote: \(again.stderr)")
            try assertValid(folder.file("two"), "re-signed \(denial)")
            // Without the seals (a zone signed elsewhere, or put through a tool that drops
            // comments) the same signatures are kept by verifying each one.
            let unsealed = try String(contentsOfFile: folder.file("one"), encoding: .utf8)
                .replacingOccurrences(of: "\t; danectl-seal [0-9a-f]{32}", with: "", options: .regularExpression)
            let bare = try sign(try folder.write("bare", unsealed), [ksk, zsk], folder.file("three"), denial)
            XCTAssertEqual(Self.keptCounts(bare.stderr)?.verified, kept.kept, bare.stderr)
            XCTAssertEqual(
                try changedLines(folder.file("two"), folder.file("three")).filter { !$0.contains("SOA") }, [],
                "the same signatures kept either way")
            let changed = try changedLines(folder.file("one"), folder.file("two"))
            XCTAssertEqual(changed.count, 4, "the SOA and its RRSIG, before and after: \(changed)")
            XCTAssertTrue(changed.allSatisfy { $0.contains("\tSOA\t") || $0.contains("RRSIG\tSOA ") }, "\(changed)")
        }
    }

    /// The signer's own lines are read by a fast reader, anything else by ldns: the same signed
    /// zone with every RRSIG, NSEC and NSEC3 record's data in parentheses (which only ldns
    /// reads) re-signs to the same zone, keeping the same signatures by the same seals.
    func testSignaturesReadEitherWayAreKeptAlike() throws {
        for denial in [[String](), ["--nsec3"]] {
            let folder = try TemporaryFolder()
            let (ksk, zsk) = try makeKeys(in: folder)
            let zone = try folder.write("example.com.zone", Self.zoneText)
            _ = try sign(zone, [ksk, zsk], folder.file("one"), denial)
            let plain = try sign(folder.file("one"), [ksk, zsk], folder.file("two"), denial)
            var rewritten = 0
            let wrapped = try String(contentsOfFile: folder.file("one"), encoding: .utf8)
                .split(separator: "\n").map { line -> String in
                    let fields = line.split(separator: "\t", maxSplits: 4).map(String.init)
                    guard fields.count == 5, ["RRSIG", "NSEC", "NSEC3", "NSEC3PARAM"].contains(fields[3]) else {
                        return String(line)
                    }
                    rewritten += 1
                    let parts = fields[4].components(separatedBy: "\t;")
                    let comment = parts.count > 1 ? "\t;" + parts[1] : ""
                    return fields[0..<4].joined(separator: "\t") + "\t(\n\t\t" + parts[0] + " )" + comment
                }.joined(separator: "\n")
            XCTAssertGreaterThan(rewritten, 20)
            let viaLDNS = try sign(
                try folder.write("wrapped", wrapped + "\n"), [ksk, zsk], folder.file("three"), denial)
            let counts = try XCTUnwrap(Self.keptCounts(plain.stderr), plain.stderr)
            let ldnsCounts = try XCTUnwrap(Self.keptCounts(viaLDNS.stderr), viaLDNS.stderr)
            XCTAssertEqual(counts.kept, ldnsCounts.kept, "\(plain.stderr) / \(viaLDNS.stderr)")
            XCTAssertEqual(counts.bySeal, ldnsCounts.bySeal, "\(plain.stderr) / \(viaLDNS.stderr)")
            XCTAssertEqual(counts.new, 1, plain.stderr)
            XCTAssertEqual(
                try changedLines(folder.file("two"), folder.file("three")).filter { !$0.contains("SOA") }, [],
                "the same zone either way \(denial)")
            try assertValid(folder.file("three"), "re-signed from the wrapped form \(denial)")
        }
    }

    func testATLSAChangeTouchesOnlyThatRRsetAndTheSOA() throws {
        let folder = try TemporaryFolder()
        let (ksk, zsk) = try makeKeys(in: folder)
        let zone = try folder.write("example.com.zone", Self.zoneText)
        _ = try sign(zone, [ksk, zsk], folder.file("one"), ["--nsec3"])
        let snippet = try folder.write(
            "new.tlsa", "_25._tcp.mx1.example.com. 300 IN TLSA 3 1 1 \(String(repeating: "cc", count: 32))\n")
        _ = try sign(folder.file("one"), [ksk, zsk], folder.file("two"), ["--nsec3", "--include", snippet])
        try assertValid(folder.file("two"), "after a TLSA change")
        let changed = try changedLines(folder.file("one"), folder.file("two"))
        let touched = Set(
            changed.map { line -> String in
                let fields = line.split(separator: "\t")
                return fields[3] == "RRSIG"
                    ? "RRSIG " + fields[4].split(separator: " ")[0] + " " + fields[0] : fields[3] + " " + fields[0]
            })
        XCTAssertEqual(
            touched,
            [
                "SOA example.com.", "RRSIG SOA example.com.", "TLSA _25._tcp.mx1.example.com.",
                "RRSIG TLSA _25._tcp.mx1.example.com.",
            ],
            "\(changed)")
    }

    func testBadChangedOrExpiringSignaturesAndRemovedKeysAreReplaced() throws {
        let folder = try TemporaryFolder()
        let (ksk, zsk) = try makeKeys(in: folder)
        let zone = try folder.write("example.com.zone", Self.zoneText)
        _ = try sign(zone, [ksk, zsk], folder.file("one"))
        var text = try String(contentsOfFile: folder.file("one"), encoding: .utf8)
        // Tamper with www's signature (its seal left as it was) and with mx1's seal (its
        // signature left as it was), and change mx2's TTL without re-signing.
        func flip(_ line: Substring, at offset: (Int) -> Int) -> String {
            var chars = Array(line)
            let seal = line.range(of: "\t; danectl-seal ").map {
                line.distance(from: line.startIndex, to: $0.lowerBound)
            }
            let at = offset(seal ?? chars.count)
            chars[at] = chars[at] == "a" ? "b" : "a"
            return String(chars)
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("www.example.com.") && line.contains("RRSIG\tA ") {
                return flip(line) { sealStart in sealStart - 10 }
            }
            if line.hasPrefix("mx1.example.com.") && line.contains("RRSIG\tA ") {
                return flip(line) { _ in line.count - 3 }
            }
            if line.hasPrefix("mx2.example.com.\t300\tIN\tA\t") {
                return line.replacingOccurrences(of: "\t300\t", with: "\t600\t")
            }
            return String(line)
        }
        text = lines.joined(separator: "\n")
        let edited = try folder.write("edited", text)
        let result = try sign(edited, [ksk, zsk], folder.file("two"))
        try assertValid(folder.file("two"), "tampered and changed signatures replaced")
        XCTAssertTrue(
            result.stderr.contains("16 signatures (13 kept: 12 by their seal, 1 verified; 3 new)"),
            "www (tampered), mx2 (TTL) and the SOA are new; mx1's, its seal broken, verified: \(result.stderr)")

        // A new ZSK replaces the old one: none of the old key's signatures survive.
        let newZSK = try Danectl.run(["keygen", "example.com", "--directory", folder.path]).stdout.trimmingCharacters(
            in: .newlines)
        let rolled = try sign(folder.file("two"), [ksk, folder.file(newZSK)], folder.file("three"))
        try assertValid(folder.file("three"), "new ZSK")
        let oldTag = String(zsk.split(separator: "+").last!).replacingOccurrences(
            of: "^0+", with: "", options: .regularExpression)
        XCTAssertFalse(
            try String(contentsOfFile: folder.file("three"), encoding: .utf8).contains(" \(oldTag) example.com. "),
            "the removed key's signatures are gone")
        XCTAssertFalse(
            rolled.stderr.contains(" kept"),
            "the old ZSK signed the rest and the DNSKEY RRset changed: all new: \(rolled.stderr)")

        // Signatures inside the refresh window are made anew; --resign-all makes all anew.
        let late = try sign(
            folder.file("three"), [ksk, folder.file(newZSK)], folder.file("four"), ["--refresh", "336"])
        XCTAssertFalse(late.stderr.contains(" kept"), late.stderr)
        let all = try sign(folder.file("three"), [ksk, folder.file(newZSK)], folder.file("five"), ["--resign-all"])
        XCTAssertFalse(all.stderr.contains(" kept"), all.stderr)
    }
}
