import Foundation
import XCTest

/// Every bogus answer names its first broken link (the seed's troubleshooting for 5.7.324:
/// compare the key tags of the DS with the DNSKEYs and RRSIGs; look at signature dates), with
/// the evidence in JSON, whether verify trusts the resolver's AD bit or validates itself.
final class DNSSECBreakLabTests: LabTestCase {
    func verify(_ domain: String, anchored: Bool = false) throws -> [String: Any] {
        let lab = try XCTUnwrap(Self.lab, "the test lab is not running")
        let result = try Danectl.run(
            ["verify", "--resolver", lab.resolver, "--format", "json", "--timeout", "5"]
                + (anchored ? ["--trust-anchor", lab.trustAnchor] : []) + [domain])
        XCTAssertEqual(result.status, 2, "\(domain): \(result.stdout)\(result.stderr)")
        try SchemaCheck.assertValid(result.stdout, "verify", "verify \(domain)")
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return try XCTUnwrap((document["domains"] as? [[String: Any]])?.first)
    }

    /// The break reported at the domain (MX lookup) or at its only host.
    func broken(_ report: [String: Any]) throws -> [String: Any] {
        if let found = report["dnssec_break"] as? [String: Any] { return found }
        return try XCTUnwrap(
            (report["hosts"] as? [[String: Any]])?.first?["dnssec_break"] as? [String: Any],
            "no dnssec_break in \(report)")
    }

    func tags(_ list: Any?, flags: Int? = nil) -> Set<Int> {
        Set(
            (list as? [[String: Any]] ?? []).filter { flags == nil || $0["flags"] as? Int == flags }.compactMap {
                $0["key_tag"] as? Int
            })
    }

    func testADSMatchingNoKeyNamesBothSides() throws {
        for anchored in [false, true] {
            let link = try broken(try verify("bad-ds.test", anchored: anchored))
            XCTAssertEqual(link["kind"] as? String, "ds-matches-no-key", "\(link)")
            XCTAssertEqual(link["zone"] as? String, "bad-ds.test.")
            let ds = tags(link["ds"]), keys = tags(link["dnskeys"])
            XCTAssertFalse(ds.isEmpty)
            XCTAssertEqual(tags(link["dnskeys"], flags: 257).count, 1, "the zone's KSK is listed with its flags")
            XCTAssertTrue(ds.isDisjoint(with: keys), "the DS names a key the zone does not have: \(ds) vs \(keys)")
            XCTAssertTrue(
                (link["fix"] as? String ?? "").contains(
                    "publish at the parent of bad-ds.test. a DS for its key \(tags(link["dnskeys"], flags: 257).first!)"
                ),
                "\(link)")
        }
    }

    func testSignatureDatesAreNamed() throws {
        let expired = try broken(try verify("bogus.test"))
        XCTAssertEqual(expired["kind"] as? String, "signature-expired", "\(expired)")
        XCTAssertEqual(expired["type"] as? String, "DNSKEY", "the first link is the zone's own keys")
        let end = try XCTUnwrap((expired["rrsigs"] as? [[String: Any]])?.first?["expiration"] as? String)
        XCTAssertTrue(end.hasPrefix("2020-02"), "signed in 2020 for 40 days: \(end)")
        XCTAssertTrue((expired["fix"] as? String ?? "").contains("re-sign bogus.test. with valid dates"))

        let future = try broken(try verify("future.test", anchored: true))
        XCTAssertEqual(future["kind"] as? String, "signature-not-yet-valid", "\(future)")
        let start = try XCTUnwrap((future["rrsigs"] as? [[String: Any]])?.first?["inception"] as? String)
        XCTAssertTrue(start.hasPrefix("2029-12-31"), "signed as of 2030-01-01 (an hour back): \(start)")
    }

    func testKeysNotSignedByTheKeyTheDSNames() throws {
        let link = try broken(try verify("ksk-unused.test"))
        XCTAssertEqual(link["kind"] as? String, "dnskey-not-signed-by-ds-key", "\(link)")
        let ds = tags(link["ds"]), ksk = tags(link["dnskeys"], flags: 257), zsk = tags(link["dnskeys"], flags: 256)
        XCTAssertEqual(ds, ksk, "the DS names the published KSK")
        XCTAssertEqual(tags(link["rrsigs"]), zsk, "only the ZSK signed the DNSKEY RRset")
    }

    func testAnswersChangedAfterSigningOrLeftUnsigned() throws {
        let changed = try broken(try verify("bogus-tlsa.test"))
        XCTAssertEqual(changed["kind"] as? String, "signature-invalid", "\(changed)")
        XCTAssertEqual(changed["owner"] as? String, "_25._tcp.mx.bogus-tlsa.test.")
        XCTAssertEqual(changed["type"] as? String, "TLSA")
        let missing = try broken(try verify("nosig.test", anchored: true))
        XCTAssertEqual(missing["kind"] as? String, "signature-missing", "\(missing)")
        XCTAssertEqual(missing["type"] as? String, "TLSA")
        let denied = try broken(try verify("nodenial.test"))
        XCTAssertEqual(denied["kind"] as? String, "denial-unproven", "\(denied)")
        XCTAssertEqual(denied["owner"] as? String, "nodenial.test.")
        XCTAssertEqual(denied["type"] as? String, "MX")
        // The text report says it in one line, with the fix.
        let text = try Danectl.run([
            "verify", "--resolver", try XCTUnwrap(Self.lab).resolver, "--timeout", "5", "nosig.test",
        ])
        XCTAssertTrue(
            text.stdout.contains(
                "broken link: _25._tcp.mx.nosig.test. TLSA has no RRSIG, though nosig.test. is signed"), text.stdout)
    }

    /// A resolver that does not validate (127.53.0.4: unbound without its validator) must not
    /// make a signed domain look unsigned: verify says so and validates itself, from the
    /// built-in IANA root anchors, which do not match the lab's own root, and names that link;
    /// with the lab's anchor given, the same resolver gives the right verdict.
    func testANonValidatingResolverIsNamedAndBypassed() throws {
        let lab = try XCTUnwrap(Self.lab)
        let result = try Danectl.run([
            "verify", "--resolver", "127.53.0.4", "--format", "json", "--timeout", "5", "valid-311.test",
        ])
        try SchemaCheck.assertValid(result.stdout, "verify", "verify via a non-validating resolver")
        let report = try XCTUnwrap(
            ((JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])?["domains"]
                as? [[String: Any]])?.first)
        XCTAssertNotEqual(
            report["outcome"] as? String, "not-protected", "a signed domain must not be called unsigned: \(report)")
        let warnings = report["warnings"] as? [String] ?? []
        XCTAssertTrue(
            warnings.contains {
                $0.contains("127.53.0.4 does not validate DNSSEC") && $0.contains("built-in IANA root trust anchors")
            }, "\(warnings)")
        let link = try broken(report)
        XCTAssertEqual(link["kind"] as? String, "anchor-matches-no-key", "\(link)")
        XCTAssertEqual(tags(link["ds"]), [20326, 38696])

        let anchored = try Danectl.run([
            "verify", "--resolver", "127.53.0.4", "--trust-anchor", lab.trustAnchor, "--timeout", "5", "valid-311.test",
        ])
        XCTAssertEqual(anchored.status, 0, anchored.stdout)
        XCTAssertFalse(anchored.stdout.contains("does not validate DNSSEC"))
        // The validating resolver's AD bit is trusted as before (what Postfix does).
        let trusted = try Danectl.run(["verify", "--resolver", lab.resolver, "--timeout", "5", "valid-311.test"])
        XCTAssertEqual(trusted.status, 0, trusted.stdout)
        XCTAssertFalse(trusted.stdout.contains("built-in"))
    }
}
