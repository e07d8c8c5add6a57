import DaneModel
import XCTest

/// TSIG key files as BIND and Knot write them, and the RFC 2136 plan: minimal record edits,
/// prerequisites that pin what was read, and the server's answer classified.
final class DynamicUpdateTests: XCTestCase {
    let secret = "cMlKSS0RzodArhhUTtXluj7Ko3H8O1sxDOLaTMDAGBg="

    func testKeyFilesOfBINDKnotAndTheCommandLineForm() throws {
        let bind = try TSIGKey(
            text:
                "# made by tsig-keygen\nkey \"danectl-key\" {\n\talgorithm hmac-sha256;\n\tsecret \"\(secret)\";\n};\n")
        let knot = try TSIGKey(
            text:
                "# hmac-sha256:danectl-key:\(secret)\nkey:\n  - id: danectl-key\n    algorithm: hmac-sha256\n    secret: \(secret)\n"
        )
        let line = try TSIGKey(text: "hmac-sha256:danectl-key:\(secret)\n")
        let short = try TSIGKey(text: "danectl-key:\(secret)")
        let expected = TSIGKey(name: DNSName(labels: ["danectl-key"]), algorithm: "hmac-sha256", secret: secret)
        XCTAssertEqual([bind, knot, line, short], [expected, expected, expected, expected])
        XCTAssertEqual(
            try TSIGKey(text: "key k { algorithm HMAC-SHA512.; secret \"\(secret)\"; };").algorithm, "hmac-sha512")
    }

    func testBadKeyFilesSayWhatAndWhere() {
        let cases: [(String, Int?, String)] = [
            ("key \"k\" {\n algorithm hmac-sha256;\n secret \"not base64!\";\n};", 1, "no valid base64 secret"),
            ("key \"k\" {\n algorithm hmac-md4;\n secret \"\(secret)\";\n};", 1, "algorithm is not one of hmac-sha256"),
            ("key \"k\" {\n algorithm hmac-sha256;\n colour \"blue\";\n};", 3, "unknown key field"),
            ("key \"k\" {\n algorithm hmac-sha256;\n secret \"\(secret)\";\n", 1, "not closed"),
            (
                "key \"a\" { algorithm hmac-sha256; secret \"\(secret)\"; };\nkey \"b\" { algorithm hmac-sha256; secret \"\(secret)\"; };",
                nil, "2 TSIG keys found"
            ),
            ("key:\n  - id: k\n    secret: \(secret)\n", 2, "has no algorithm"),
            ("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n", nil, "not a TSIG key file"),
        ]
        for (text, line, message) in cases {
            XCTAssertThrowsError(try TSIGKey(text: text), text) { error in
                let failure = error as? TSIGKey.ParseError
                XCTAssertEqual(failure?.line, line, text)
                XCTAssertTrue(
                    failure?.message.contains(message) == true, "\(failure?.message ?? "") should say \(message)")
                XCTAssertFalse(failure?.message.contains(self.secret) == true, "a key file's secret is never quoted")
            }
        }
    }

    /// Hardening round 2, C4: wherever a malformed file puts the secret (name or algorithm
    /// position, one-line forms in the wrong order, a stray copy after the key), no error quotes it.
    func testNoErrorQuotesTheSecretWhereverItSits() {
        let shapes = [
            "\(secret):k", "hmac:\(secret):k", "\(secret):hmac-sha256:k", "k:hmac-sha256", "hmac-sha256:\(secret)",
            "key \"\(secret)\" { algorithm hmac-sha256; secret \"\(secret)\"; };",
            "key \"k\" { algorithm \(secret); secret \"\(secret)\"; };",
            "key \"k\" { algorithm hmac-sha256; secret \"\(secret)\"; };\n\(secret)",
            "key \"k\" { \(secret) hmac-sha256; };", "key \"k\" { algorithm hmac-sha256; secret \"\(secret)\" };",
            "\(secret) \"k\" { algorithm hmac-sha256; };",
            "key:\n  - id: \(secret)\n    algorithm: hmac-sha256\n", "key:\n  - id: k\n    \(secret): x\n",
            "\(secret): 1\nkey:\n",
            "key:\n  - id: k\n    algorithm: \(secret)\n    secret: \(secret)\n",
        ]
        for text in shapes {
            do {
                _ = try TSIGKey(text: text)
            } catch {
                XCTAssertFalse(
                    error.message.contains(secret) || error.message.contains(String(secret.prefix(12))),
                    "\(text): \(error.message)")
            }
        }
    }

    let zone = DNSName(labels: ["example", "test"])
    var owner: DNSName { DNSName(labels: ["_25", "_tcp", "mx", "example", "test"]) }
    let old = "3 1 1 " + String(repeating: "aa", count: 32)
    let new = "3 1 1 " + String(repeating: "bb", count: 32)

    func tlsa(_ text: String) throws -> RecordData { .tlsa(try TLSARecordData(presentation: text)) }

    func testSameValuesAreNoChangeWhateverTheirSpelling() throws {
        XCTAssertNil(
            RRsetChange.between(
                zone: zone, owner: owner, type: .tlsa, live: (300, [try tlsa(old.uppercased())]),
                wanted: (300, [try tlsa(old)])))
        let split: RecordData = .txt([Array("v=TLSRPTv1; rua=mailto:a@".utf8), Array("example.test".utf8)])
        XCTAssertNil(
            RRsetChange.between(
                zone: zone, owner: owner, type: .txt, live: (300, [split]),
                wanted: (300, [.txt([Array("v=TLSRPTv1; rua=mailto:a@example.test".utf8)])])))
        XCTAssertNil(
            RRsetChange.between(
                zone: zone, owner: zone, type: .mx,
                live: (300, [.mx(preference: 10, exchange: DNSName(labels: ["MX", "example", "test"]))]),
                wanted: (300, [.mx(preference: 10, exchange: DNSName(labels: ["mx", "example", "test"]))])))
        XCTAssertNil(RRsetChange.between(zone: zone, owner: owner, type: .tlsa, live: nil, wanted: nil))
    }

    func testAddingANextKeyTouchesOnlyThatRecord() throws {
        let change = try XCTUnwrap(
            RRsetChange.between(
                zone: zone, owner: owner, type: .tlsa, live: (300, [try tlsa(old)]),
                wanted: (300, [try tlsa(old), try tlsa(new)])))
        XCTAssertEqual(change.action, .replace)
        XCTAssertEqual(change.added, [try tlsa(new)])
        XCTAssertEqual(change.removed, [])
        XCTAssertFalse(change.replacesWhole)
        let message = UpdateMessage(zone: zone, changes: [change])
        XCTAssertEqual(
            message.prerequisites, [.init(owner: owner, type: .tlsa, recordClass: .in, ttl: 0, data: try tlsa(old))],
            "RFC 2136 §2.4.2: the RRset must still be exactly what was read")
        XCTAssertEqual(
            message.updates, [.init(owner: owner, type: .tlsa, recordClass: .in, ttl: 300, data: try tlsa(new))])
    }

    func testRetiringDeletesTheServedSpellingAndANewRRsetRequiresAbsence() throws {
        let served = try tlsa(old.uppercased())
        let retire = try XCTUnwrap(
            RRsetChange.between(
                zone: zone, owner: owner, type: .tlsa, live: (300, [served, try tlsa(new)]),
                wanted: (300, [try tlsa(new)])))
        XCTAssertEqual(retire.removed, [served], "the record is deleted as the server holds it")
        let create = try XCTUnwrap(
            RRsetChange.between(zone: zone, owner: owner, type: .tlsa, live: nil, wanted: (300, [try tlsa(new)])))
        XCTAssertEqual(create.action, .add)
        XCTAssertEqual(
            UpdateMessage(zone: zone, changes: [create]).prerequisites,
            [.init(owner: owner, type: .tlsa, recordClass: .none, ttl: 0, data: nil)],
            "RFC 2136 §2.4.3: the RRset must still not exist")
        let gone = try XCTUnwrap(
            RRsetChange.between(zone: zone, owner: owner, type: .tlsa, live: (300, [try tlsa(new)]), wanted: nil))
        XCTAssertEqual(gone.action, .delete)
        XCTAssertEqual(
            UpdateMessage(zone: zone, changes: [gone]).updates,
            [.init(owner: owner, type: .tlsa, recordClass: .any, ttl: 0, data: nil)])
    }

    func testATTLChangeReplacesTheWholeRRset() throws {
        let change = try XCTUnwrap(
            RRsetChange.between(
                zone: zone, owner: owner, type: .tlsa, live: (3600, [try tlsa(old)]), wanted: (300, [try tlsa(old)])))
        XCTAssertTrue(change.replacesWhole)
        XCTAssertEqual(
            UpdateMessage(zone: zone, changes: [change]).updates,
            [
                .init(owner: owner, type: .tlsa, recordClass: .any, ttl: 0, data: nil),
                .init(owner: owner, type: .tlsa, recordClass: .in, ttl: 300, data: try tlsa(old)),
            ])
    }

    func testServerAnswersAreClassifiedForTheOperator() {
        XCTAssertEqual(UpdateResult(rcode: 0, tsigError: 0), .applied)
        XCTAssertEqual(UpdateResult(rcode: 9, tsigError: 16), .tsigRejected(code: 16))
        XCTAssertEqual(UpdateResult(rcode: 9, tsigError: 18), .tsigRejected(code: 18))
        XCTAssertEqual(UpdateResult(rcode: 9, tsigError: 0), .notAuthoritative(code: 9))
        XCTAssertEqual(UpdateResult(rcode: 10, tsigError: nil), .notAuthoritative(code: 10))
        XCTAssertEqual(UpdateResult(rcode: 5, tsigError: 0), .refused)
        for rcode in [3, 6, 7, 8] {
            XCTAssertEqual(UpdateResult(rcode: rcode, tsigError: 0), .prerequisiteFailed(code: rcode))
        }
        XCTAssertEqual(UpdateResult(rcode: 2, tsigError: 0), .failed(code: 2))
        XCTAssertEqual(UpdateResult.name(ofCode: 18), "BADTIME")
    }
}
