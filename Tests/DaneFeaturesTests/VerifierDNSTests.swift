import DaneFeatures
import DaneModel
import DaneTestSupport
import Foundation
import XCTest

/// verify's DNS half with a scripted resolver: the verdicts a sender reaches before it ever
/// connects (bogus, failing, malformed, null MX, CNAME loops), and drift compared as values.
final class VerifierDNSTests: XCTestCase {
    func verify(_ dns: ScriptedDNS, _ domain: String = "example.test") -> DomainReport {
        var options = Verifier.Options()
        options.timeout = 1
        return Verifier(lookup: dns, world: .scripted(dns), options: options).verify(domain: domain)
    }

    func name(_ text: String) -> DNSName { DNSName(presentation: text)! }

    func testABogusMXIsDNSSECInvalid() {
        let dns = ScriptedDNS()
        dns.answer("example.test", .mx, [.mx(preference: 10, exchange: name("mx.example.test"))], status: .bogus)
        let report = verify(dns)
        XCTAssertEqual(report.failure, .dnssecInvalid)
        XCTAssertEqual(report.outcome, .dnsProblem)
    }

    func testMalformedRecordsAreADNSFailureNotACrash() {
        // An MX answer whose RDATA is too short, as a hostile server can send it.
        let dns = ScriptedDNS()
        dns.answer("example.test", .mx, [RecordData(type: .mx, wire: [0])])
        let report = verify(dns)
        XCTAssertEqual(report.failure, .dnsQueryFailed)
        XCTAssertTrue(report.detail?.contains("malformed answer") == true, report.detail ?? "")

        // An A record with RDLENGTH 0: the lookup failed (SecureLookup reports it so), never an index out of range.
        let empty = ScriptedDNS()
        empty.answer("example.test", .mx, [.mx(preference: 10, exchange: name("mx.example.test"))])
        empty.answer("mx.example.test", .a, [RecordData(type: .a, wire: [])], status: .failed)
        let host = verify(empty).hosts.first
        XCTAssertEqual(host?.failure, .dnsQueryFailed)
        XCTAssertEqual(verify(empty).outcome, .dnsProblem)
    }

    func testANullMXAcceptsNoMail() {
        let dns = ScriptedDNS()
        dns.answer("example.test", .mx, [.mx(preference: 0, exchange: DNSName(labels: []))])
        let report = verify(dns)
        XCTAssertTrue(report.hosts.isEmpty)
        XCTAssertTrue(report.nullMX)
        XCTAssertTrue(report.detail?.contains("null MX") == true, report.detail ?? "")
    }

    func testACNAMELoopIsRefusedLikeASenderWould() {
        let dns = ScriptedDNS()
        dns.answer("example.test", .mx, [.mx(preference: 10, exchange: name("mx.example.test"))])
        let loop = [
            DNSRecord(owner: name("mx.example.test"), type: .cname, ttl: 300, data: .name(name("a.example.test"))),
            DNSRecord(owner: name("a.example.test"), type: .cname, ttl: 300, data: .name(name("mx.example.test"))),
        ]
        dns.answers[ScriptedDNS.key(name("mx.example.test"), .a)] = ClassifiedAnswer(
            status: .secure,
            response: DNSResponse(
                code: .noError, authenticated: true,
                answer: loop + [
                    DNSRecord(owner: name("mx.example.test"), type: .a, ttl: 300, data: .address("192.0.2.1"))
                ]), problem: nil)
        let host = verify(dns).hosts.first
        XCTAssertEqual(host?.failure, .dnsQueryFailed)
        XCTAssertTrue(host?.detail?.contains("longer than 8 names or loops") == true, host?.detail ?? "")
    }

    func testDriftComparesDecodedRecordsNotText() throws {
        let dns = ScriptedDNS()
        let live = try TLSARecordData(presentation: "3 1 1 " + String(repeating: "AB", count: 32))
        dns.answer("_25._tcp.mx.example.test", .tlsa, [.tlsa(live)])
        dns.answer(
            "_smtp._tls.example.test", .txt,
            [.txt([Array("v=TLSRPTv1; rua=mailto:a@exa".utf8), Array("mple.test".utf8)])])
        let zone = name("example.test")
        let intended = [
            ResourceRecord(
                zone: zone, owner: name("_25._tcp.mx.example.test"), ttl: 300, type: .tlsa,
                data: .tlsa(try TLSARecordData(presentation: "3 1 1 " + String(repeating: "ab", count: 32)))),
            ResourceRecord(
                zone: zone, owner: name("_25._tcp.mx.example.test"), ttl: 300, type: .tlsa,
                data: .tlsa(try TLSARecordData(presentation: "3 1 1 " + String(repeating: "cd", count: 32)))),
            ResourceRecord(
                zone: zone, owner: name("_smtp._tls.example.test"), ttl: 300, type: .txt,
                data: .txt([Array("v=TLSRPTv1; rua=mailto:a@example.test".utf8)])),
        ]
        let drift = DriftCheck(lookup: dns).compare(intended)
        XCTAssertEqual(
            drift["example.test."],
            [
                DriftFinding(
                    owner: "_25._tcp.mx.example.test.", type: "TLSA", state: .missing,
                    value: "3 1 1 \(String(repeating: "cd", count: 32))")
            ],
            "upper-case hex and a TXT split in two strings are not drift")
    }

    func testMXDriftIsReportedBothWays() throws {
        let dns = ScriptedDNS()
        dns.answer(
            "example.test", .mx,
            [
                .mx(preference: 10, exchange: name("MX.example.test")),
                .mx(preference: 20, exchange: name("old.example.test")),
            ])
        let zone = name("example.test")
        let drift = DriftCheck(lookup: dns).compare([
            ResourceRecord(
                zone: zone, owner: zone, ttl: 300, type: .mx,
                data: .mx(preference: 10, exchange: name("mx.example.test"))),
            ResourceRecord(
                zone: zone, owner: zone, ttl: 300, type: .mx,
                data: .mx(preference: 30, exchange: name("backup.example.test"))),
        ])
        XCTAssertEqual(
            drift["example.test."],
            [
                DriftFinding(owner: "example.test.", type: "MX", state: .missing, value: "30 backup.example.test."),
                DriftFinding(owner: "example.test.", type: "MX", state: .extra, value: "20 old.example.test."),
            ], "the exchange's case is not drift; the extra and the missing preference are")
    }

    /// Issue 13 finding 5 (in part): like Postfix (smtp_mx_address_limit), verify tries at most
    /// five addresses per host, and says so; a host with twenty silent addresses cannot hold it.
    func testAddressesPerHostAreCappedAsASenderCapsThem() {
        let dns = ScriptedDNS()
        dns.answer("example.test", .mx, [.mx(preference: 10, exchange: name("mx.example.test"))])
        dns.answer("mx.example.test", .a, (1...20).map { .address("127.77.0.\($0)") })
        let report = verify(dns)
        XCTAssertEqual(report.hosts.first?.addresses.count, 5)
        XCTAssertTrue(report.warnings.map(\.code).contains(.addressLimit), "\(report.warnings)")
    }

    /// Domains that share an MX host share its report's storage; what each domain's report
    /// says is still its own (its preference, the host's secure or failing state), and the same
    /// as when the domain is verified alone.
    func testSharedHostReportsSayWhatEachDomainFound() {
        let dns = ScriptedDNS()
        dns.answer("a.test", .mx, [.mx(preference: 10, exchange: name("mx1.provider.test"))])
        dns.answer("b.test", .mx, [.mx(preference: 10, exchange: name("mx1.provider.test"))])
        dns.answer(
            "c.test", .mx,
            [
                .mx(preference: 20, exchange: name("mx1.provider.test")),
                .mx(preference: 30, exchange: name("mx2.provider.test")),
            ])
        dns.answer("mx1.provider.test", .a, [.address("127.77.0.1")])
        dns.answer("mx2.provider.test", .a, [.address("127.77.0.2")], status: .bogus)
        var options = Verifier.Options()
        (options.timeout, options.dnsOnly) = (1, true)
        let together = Verifier(lookup: dns, world: .scripted(dns), options: options)
            .verify(domains: ["a.test", "b.test", "c.test", "a.test"])
        let alone = ["a.test", "b.test", "c.test", "a.test"].map {
            Verifier(lookup: dns, world: .scripted(dns), options: options).verify(domain: $0)
        }
        XCTAssertEqual(together.map(\.hosts), alone.map(\.hosts))
        XCTAssertEqual(together.map { $0.hosts.map(\.preference) }, [[10], [10], [20, 30], [10]])
        XCTAssertEqual(together[2].hosts.map(\.failure), [nil, .dnssecInvalid])
        XCTAssertEqual(together.map(\.outcome), alone.map(\.outcome))
    }

    /// Issue 11 (in part): when no MX address accepts a connection, the likely cause is this
    /// machine's blocked port 25, and the report says so instead of blaming every MX.
    func testEveryAddressUnreachableSuggestsABlockedPort() throws {
        let dns = ScriptedDNS()
        dns.answer(
            "example.test", .mx,
            [
                .mx(preference: 10, exchange: name("mx1.example.test")),
                .mx(preference: 20, exchange: name("mx2.example.test")),
            ])
        dns.answer("mx1.example.test", .a, [.address("127.77.0.1")])
        dns.answer("mx2.example.test", .a, [.address("127.77.0.2")])
        var request = VerifyRequest(targets: ["example.test"])
        request.options.timeout = 2
        let reports = try VerifyRun.run(request, world: .scripted(dns))
        XCTAssertEqual(reports[0].warnings.first?.code, .portBlocked, "\(reports[0].warnings)")
        // One of the messages worth pinning word for word: it sends people to the right place.
        XCTAssertTrue(
            reports[0].warnings.first?.message.starts(
                with: "none of the 2 MX addresses accepted a connection to port 25: port 25 looks blocked") == true)
        request.options.dnsOnly = true
        let dnsOnly = try VerifyRun.run(request, world: .scripted(dns))
        XCTAssertEqual(dnsOnly[0].hosts.flatMap(\.addresses).map(\.verdict), [.notChecked, .notChecked])
        XCTAssertFalse(dnsOnly[0].warnings.map(\.code).contains(.portBlocked))
    }

    /// A failed lookup asks each authoritative server: one that does not answer is lame; two
    /// that answer differently (serial and records) are named with what each serves.
    func testAFailedLookupNamesTheServerThatIsLameOrDisagrees() {
        let dns = ScriptedDNS()
        dns.answer("example.test", .mx, [], status: .failed)
        dns.answer(
            "example.test", .ns,
            [.name(name("ns1.example.test")), .name(name("ns2.example.test")), .name(name("ns3.example.test"))])
        dns.answer("ns1.example.test", .a, [.address("192.0.2.53")])
        dns.answer("ns2.example.test", .a, [.address("198.51.100.53")])
        dns.answer("ns3.example.test", .a, [.address("203.0.113.53")])
        func soa(_ serial: UInt32) -> RecordData {
            .soa(
                SOAData(
                    primary: name("ns1.example.test"), mailbox: name("hostmaster.example.test"), serial: serial,
                    refresh: 3600, retry: 600,
                    expire: 86400, minimum: 300))
        }
        dns.serve("192.0.2.53", "example.test", .soa, [soa(2026112901)])
        dns.serve("192.0.2.53", "example.test", .mx, [.mx(preference: 10, exchange: name("mx.example.test"))])
        dns.serve("198.51.100.53", "example.test", .soa, [soa(2026110100)])
        dns.serve("198.51.100.53", "example.test", .mx, [.mx(preference: 10, exchange: name("old-mx.example.test"))])
        dns.deadServers = ["203.0.113.53"]
        let report = verify(dns)
        XCTAssertEqual(report.failure, .dnsQueryFailed)
        XCTAssertEqual(
            Set(report.nameServers.map(\.code)),
            [.nameServerUnreachable, .nameServerSerialDisagreement, .nameServerAnswerDisagreement])
        let findings = report.nameServers.map(\.message).joined(separator: "\n")
        XCTAssertTrue(findings.contains("ns3.example.test. (203.0.113.53) of example.test. does not answer"), findings)
        XCTAssertTrue(
            findings.contains(
                "disagree on the SOA serial (ns1.example.test. (192.0.2.53): 2026112901, ns2.example.test. (198.51.100.53): 2026110100)"
            ), findings)
        XCTAssertTrue(
            findings.contains("give different example.test. MX answers") && findings.contains("old-mx.example.test."),
            findings)
    }

    /// Issue 23: remedies that fit. A proven NXDOMAIN is "does not exist" and senders bounce at
    /// once; an MX host without A/AAAA is "add an address for it", not "make the name servers answer".
    func testAbsentNamesGetTheirOwnRemedies() {
        let dns = ScriptedDNS()
        dns.answers[ScriptedDNS.key(name("gone.test"), .mx)] = ClassifiedAnswer(
            status: .secure, response: DNSResponse(code: .nxDomain, authenticated: true, answer: []), problem: nil)
        let gone = verify(dns, "gone.test")
        XCTAssertEqual(gone.absence, .domainDoesNotExist)
        XCTAssertEqual(gone.outcome, .dnsProblem)
        XCTAssertTrue(gone.remedy?.hasPrefix("gone.test. does not exist") == true, gone.remedy ?? "")
        XCTAssertEqual(gone.senderNextStep, NameAbsence.domainDoesNotExist.senderNext)

        dns.answer("example.test", .mx, [.mx(preference: 10, exchange: name("mx1.example.test"))])
        let report = verify(dns)
        let host = report.hosts[0]
        XCTAssertEqual(host.absence, .noAddress)
        XCTAssertEqual(
            host.remedy,
            "add an A or AAAA record for mx1.example.test. in its zone (or point the MX at a host that has one)")
        XCTAssertEqual(report.senderNext(afterHost: host), NameAbsence.noAddress.senderNext)
    }

    /// A secure answer of `data` at `owner`, with one RRSIG by `signer` that expires at `expires`.
    func answer(
        _ dns: ScriptedDNS, _ owner: String, _ type: RRType, _ data: [RecordData], signedUntil expires: Date,
        by signer: String
    ) {
        let name = DNSName(presentation: owner)!
        let signature = RRSIGData(
            typeCovered: type, algorithm: 13, labels: UInt8(name.labels.count), originalTTL: 300,
            expiration: UInt32(expires.timeIntervalSince1970), inception: UInt32(Date().timeIntervalSince1970 - 3600),
            keyTag: 1, signer: DNSName(presentation: signer)!, signature: [1])
        let records =
            data.map { DNSRecord(owner: name, type: type, ttl: 300, data: $0) } + [
                DNSRecord(owner: name, type: .rrsig, ttl: 300, data: .rrsig(signature))
            ]
        dns.answers[ScriptedDNS.key(name, type)] = ClassifiedAnswer(
            status: .secure, response: DNSResponse(code: .noError, authenticated: true, answer: records), problem: nil)
    }

    /// Issue 23: a zone signed with a short validity warns once (per signing zone), not once
    /// per RRset; and the default --warn-days stays below sign's 14-day validity.
    func testExpiringSignaturesAreOneWarningPerZone() {
        let dns = ScriptedDNS()
        let now = Date()
        func signed(_ owner: String, _ type: RRType, _ data: [RecordData]) {
            answer(dns, owner, type, data, signedUntil: now.addingTimeInterval(3 * 86_400), by: "example.test")
        }
        signed("example.test", .mx, [.mx(preference: 10, exchange: name("mx.example.test"))])
        signed("mx.example.test", .a, [.address("192.0.2.1")])
        signed(
            "_25._tcp.mx.example.test", .tlsa,
            [.tlsa(TLSARecordData(parameters: .recommended, associationData: [UInt8](repeating: 1, count: 32)))])
        var options = Verifier.Options()
        options.dnsOnly = true
        let report = Verifier(lookup: dns, world: .scripted(dns), options: options).verify(domain: "example.test")
        let expiring = report.warnings.filter { $0.code == .signatureExpiring }
        XCTAssertEqual(expiring.count, 1, "\(report.warnings)")
        XCTAssertTrue(
            expiring.first?.message.starts(with: "3 signatures of zone example.test. expire within 7 days") == true,
            "\(expiring)")
        XCTAssertEqual(Verifier.Options().warnDays, 7)
        options.warnDays = 2
        XCTAssertTrue(
            Verifier(lookup: dns, world: .scripted(dns), options: options).verify(domain: "example.test").warnings
                .filter { $0.code == .signatureExpiring }.isEmpty)
    }

    /// The first signature the verdict rests on to expire is looked for up the whole path: here
    /// the DS of the MX host's zone in its parent, which expires before any answer's own. A
    /// second domain on the same host gets it too (the zones' part is worked out once).
    func testEarliestSignatureExpiryIsTheFirstAlongTheWholePath() {
        let dns = ScriptedDNS()
        let now = Date()
        func signed(_ owner: String, _ type: RRType, _ data: [RecordData], days: Double, signer: String) {
            answer(dns, owner, type, data, signedUntil: now.addingTimeInterval(days * 86_400), by: signer)
        }
        let key = RecordData.dnskey(DNSKEYData(flags: 257, protocol: 3, algorithm: 13, publicKey: [1, 2, 3]))
        let ds = RecordData.ds(
            DSData(keyTag: 1, algorithm: 13, digestType: 2, digest: [UInt8](repeating: 7, count: 32)))
        for domain in ["one.test", "two.test"] {
            signed(domain, .mx, [.mx(preference: 10, exchange: name("mx.hosting.test"))], days: 40, signer: domain)
        }
        signed("mx.hosting.test", .a, [.address("192.0.2.1")], days: 30, signer: "hosting.test")
        signed(
            "_25._tcp.mx.hosting.test", .tlsa,
            [.tlsa(TLSARecordData(parameters: .recommended, associationData: [UInt8](repeating: 1, count: 32)))],
            days: 30, signer: "hosting.test")
        signed("hosting.test", .dnskey, [key], days: 20, signer: "hosting.test")
        signed("hosting.test", .ds, [ds], days: 12.5, signer: "test")
        signed("test", .dnskey, [key], days: 25, signer: "test")
        signed("test", .ds, [ds], days: 18, signer: ".")
        signed(".", .dnskey, [key], days: 15, signer: ".")
        var options = Verifier.Options()
        options.dnsOnly = true
        let verifier = Verifier(lookup: dns, world: .scripted(dns), options: options)
        let expected = Date(timeIntervalSince1970: Double(UInt32(now.timeIntervalSince1970 + 12.5 * 86_400)))
        XCTAssertEqual(verifier.verify(domain: "one.test").earliestSignatureExpiry, expected)
        XCTAssertEqual(verifier.verify(domain: "two.test").earliestSignatureExpiry, expected)
        // An answer's own signature that runs out first is the earliest.
        signed("two.test", .mx, [.mx(preference: 10, exchange: name("mx.hosting.test"))], days: 2, signer: "two.test")
        XCTAssertEqual(
            verifier.verify(domain: "two.test").earliestSignatureExpiry,
            Date(timeIntervalSince1970: Double(UInt32(now.timeIntervalSince1970 + 2 * 86_400))))
    }

    /// Issue 23: a resolver that does not recurse is named before any verdict (69), unless
    /// answers are validated here from a trust anchor.
    func testAServerThatDoesNotRecurseIsNamedBeforeAnyVerdict() {
        let dns = ScriptedDNS()
        dns.recursion = .notRecursive("it REFUSED a question about the root")
        var request = VerifyRequest(targets: ["example.test"])
        request.resolver = "192.0.2.53"
        XCTAssertThrowsError(try VerifyRun.run(request, world: .scripted(dns))) { error in
            let failure = error as? DiagnosticError
            XCTAssertEqual(failure?.codes, ["resolver-not-recursive"])
            XCTAssertEqual(failure.map { ExitStatus(stoppedBy: $0) }, .unavailable)
            XCTAssertTrue(
                failure?.description.contains(
                    "192.0.2.53 is not a recursive resolver (it REFUSED a question about the root)") == true)
        }
    }

    /// Issue 23: a zone that is signed but has no DS at its parent is named as an island.
    func testASignedZoneWithoutDSIsAnIsland() {
        let dns = ScriptedDNS()
        let owner = name("example.test")
        let signature = RRSIGData(
            typeCovered: .mx, algorithm: 13, labels: 2, originalTTL: 300,
            expiration: UInt32(Date().timeIntervalSince1970 + 86_400 * 30),
            inception: UInt32(Date().timeIntervalSince1970 - 3600), keyTag: 1, signer: owner, signature: [1])
        let records = [
            DNSRecord(owner: owner, type: .mx, ttl: 300, data: .mx(preference: 10, exchange: name("mx.example.test"))),
            DNSRecord(owner: owner, type: .rrsig, ttl: 300, data: .rrsig(signature)),
        ]
        dns.answers[ScriptedDNS.key(owner, .mx)] = ClassifiedAnswer(
            status: .insecure, response: DNSResponse(code: .noError, authenticated: false, answer: records),
            problem: nil)
        dns.answer("mx.example.test", .a, [.address("192.0.2.1")], status: .insecure)
        let report = verify(dns)
        XCTAssertTrue(report.warnings.map(\.code).contains(.dnssecIsland), "\(report.warnings)")
        XCTAssertFalse(report.warnings.map(\.code).contains(.mxUnsigned), "an island is signed: \(report.warnings)")
    }

    /// Issue 23: --all-servers asks every authoritative server for the RRsets the verdict rests
    /// on, and names the stale secondary: an older serial, other records, signatures that run
    /// out sooner. Without it, nothing is asked of the servers while the lookups succeed.
    func testAllServersNamesAStaleSecondary() {
        let dns = ScriptedDNS()
        dns.answer("example.test", .mx, [.mx(preference: 10, exchange: name("mx.example.test"))])
        dns.answer("mx.example.test", .a, [.address("192.0.2.1")])
        dns.answer("example.test", .ns, [.name(name("ns1.example.test")), .name(name("ns2.example.test"))])
        dns.answer("ns1.example.test", .a, [.address("192.0.2.53")])
        dns.answer("ns2.example.test", .a, [.address("198.51.100.53")])
        func soa(_ serial: UInt32) -> RecordData {
            .soa(
                SOAData(
                    primary: name("ns1.example.test"), mailbox: name("hostmaster.example.test"), serial: serial,
                    refresh: 3600, retry: 600,
                    expire: 86400, minimum: 300))
        }
        func signature(_ days: Double) -> RecordData {
            .rrsig(
                RRSIGData(
                    typeCovered: .tlsa, algorithm: 13, labels: 5, originalTTL: 300,
                    expiration: UInt32(Date().timeIntervalSince1970 + days * 86_400),
                    inception: UInt32(Date().timeIntervalSince1970 - 3600), keyTag: 1, signer: name("example.test"),
                    signature: [1]))
        }
        let tlsa = RecordData.tlsa(
            TLSARecordData(parameters: .recommended, associationData: [UInt8](repeating: 2, count: 32)))
        dns.answer("_25._tcp.mx.example.test", .tlsa, [tlsa])
        for (server, serial, days) in [("192.0.2.53", UInt32(2026120602), 14.0), ("198.51.100.53", 2026120101, 3.0)] {
            dns.serve(server, "example.test", .soa, [soa(serial)])
            dns.serve(server, "example.test", .mx, [.mx(preference: 10, exchange: name("mx.example.test"))])
            dns.serve(server, "_25._tcp.mx.example.test", .tlsa, [tlsa, signature(days)])
        }
        var options = Verifier.Options()
        options.dnsOnly = true
        XCTAssertFalse(
            Verifier(lookup: dns, world: .scripted(dns), options: options).verify(domain: "example.test").warnings
                .contains(where: \.aboutANameServer))
        options.allServers = true
        let report = Verifier(lookup: dns, world: .scripted(dns), options: options).verify(domain: "example.test")
        XCTAssertEqual(
            Set(report.warnings.filter(\.aboutANameServer).map(\.code)),
            [.nameServerSerialDisagreement, .nameServerStaleSignatures], "\(report.warnings)")
        let found = report.warnings.filter(\.aboutANameServer).map(\.message).joined(separator: "\n")
        XCTAssertTrue(found.contains("disagree on the SOA serial"), found)
        XCTAssertTrue(
            found.contains(
                "name server ns2.example.test. (198.51.100.53) serves _25._tcp.mx.example.test. TLSA signatures that expire on"
            ), found)
        XCTAssertEqual(report.outcome, .warning)
    }
}
