import Foundation
import XCTest

/// The TLSA data danectl computes must equal what the tools operators already trust compute
/// from the same files in the same run: an openssl pipeline, ldns-dane, danetool and
/// hash-slinger's tlsa.
final class AnchorAgreementTests: XCTestCase {
    struct Row: Decodable { let owner: String; let rdata: String; let type: String }
    struct Document: Decodable { let records: [Row] }

    static let endEntityParameters = ["3 1 1", "3 0 1", "3 1 2", "3 0 2", "3 1 0", "3 0 0"]
    static let chainParameters = endEntityParameters + ["2 1 1", "2 0 1", "2 1 2"]

    func testEveryKeyTypeAndSelectorAgreesWithOpenSSLPipeline() throws {
        let certs = try TestCertificates.shared()
        let generated = try generate(certs)
        for type in TestCertificates.KeyType.allCases {
            for (suffix, parameters) in [("self", Self.endEntityParameters), ("chain", Self.chainParameters)] {
                let host = "\(type.rawValue)-\(suffix).example.net"
                for p in parameters {
                    let fields = p.split(separator: " ").map { Int($0)! }
                    let subject =
                        fields[0] == 2
                        ? certs.file("int.pem")
                        : certs.file("\(type.rawValue)-\(suffix == "self" ? "self" : "leaf").pem")
                    let expected = try opensslReference(
                        certificate: subject, selector: fields[1], matchingType: fields[2])
                    XCTAssertTrue(
                        generated[host]?.contains("\(p) \(expected)") == true,
                        "\(host) \(p): danectl gave \(generated[host] ?? []), openssl says \(expected)")
                }
            }
        }
    }

    func testDaneEERecordsAgreeWithLdnsDaneDanetoolAndTlsa() throws {
        let certs = try TestCertificates.shared()
        let generated = try generate(certs)
        for type in TestCertificates.KeyType.allCases {
            let host = "\(type.rawValue)-self.example.net"
            let certificate = certs.file("\(type.rawValue)-self.pem")
            for p in ["3 1 1", "3 0 1", "3 1 2", "3 0 2"] {
                let f = p.split(separator: " ").map(String.init)
                let ldns = try Processes.run(
                    "ldns-dane", ["-c", certificate, "create", "\(type.rawValue).example.net", "25", f[0], f[1], f[2]])
                XCTAssertEqual(ldns.status, 0, ldns.stderr)
                let ldnsData = try XCTUnwrap(Self.lastHex(ldns.stdout), "ldns-dane printed no record: \(ldns.stdout)")
                XCTAssertTrue(
                    generated[host]?.contains("\(p) \(ldnsData)") == true, "ldns-dane \(host) \(p): \(ldnsData)")

                let tlsa = try Processes.run(
                    "tlsa",
                    [
                        "--create", "--certificate", certificate, "--usage", f[0],
                        "--selector", f[1], "--mtype", f[2], "--port", "25", host,
                    ])
                XCTAssertEqual(tlsa.status, 0, tlsa.stderr)
                let tlsaData = try XCTUnwrap(Self.lastHex(tlsa.stdout), "tlsa printed no record: \(tlsa.stdout)")
                XCTAssertTrue(generated[host]?.contains("\(p) \(tlsaData)") == true, "tlsa \(host) \(p): \(tlsaData)")

                var danetoolArguments = [
                    "--tlsa-rr", "--host=\(host)", "--port=25", "--load-certificate=\(certificate)",
                    "--domain", "--hash=\(f[2] == "1" ? "sha256" : "sha512")",
                ]
                if f[1] == "0" { danetoolArguments.append("--x509") }
                let danetool = try Processes.run("danetool", danetoolArguments)
                XCTAssertEqual(danetool.status, 0, danetool.stderr)
                let danetoolData = try XCTUnwrap(
                    Self.lastHex(danetool.stdout), "danetool printed no record: \(danetool.stdout)")
                XCTAssertTrue(
                    generated[host]?.contains("\(p) \(danetoolData)") == true, "danetool \(host) \(p): \(danetoolData)")
            }
        }
    }

    func testDaneTARecordsAgreeWithDanetoolOnTheIssuer() throws {
        let certs = try TestCertificates.shared()
        let generated = try generate(certs)
        let danetool = try Processes.run(
            "danetool",
            [
                "--tlsa-rr", "--host=x", "--load-certificate=\(certs.file("int.pem"))",
                "--ca", "--domain", "--hash=sha256",
            ])
        XCTAssertEqual(danetool.status, 0, danetool.stderr)
        let data = try XCTUnwrap(Self.lastHex(danetool.stdout))
        for type in TestCertificates.KeyType.allCases {
            XCTAssertTrue(generated["\(type.rawValue)-chain.example.net"]?.contains("2 1 1 \(data)") == true)
        }
    }

    /// A public key, a CSR, a private key and a DER certificate of one key all give the 3 1 1
    /// record of its certificate; and no byte of the private key reaches the output.
    func testEveryInputFormGivesTheSameSPKIHash() throws {
        let certs = try TestCertificates.shared()
        let folder = try TemporaryFolder()
        var yaml = "domains:\n"
        for type in TestCertificates.KeyType.allCases {
            let t = type.rawValue
            yaml += """
                  - domain: \(t).example.org
                    mx:
                      - {host: pem.\(t).example.org, certificate: \(certs.file("\(t)-self.pem"))}
                      - {host: der.\(t).example.org, certificate: \(certs.file("\(t)-self.der"))}
                      - {host: pub.\(t).example.org, key: \(certs.file("\(t).pub"))}
                      - {host: csr.\(t).example.org, key: \(certs.file("\(t).csr"))}
                      - {host: priv.\(t).example.org, key: \(certs.file("\(t).key"))}

                """
        }
        let description = try folder.write("forms.yaml", yaml)
        let result = try Danectl.run(["generate", description])
        XCTAssertEqual(result.status, 0, result.stderr)
        for type in TestCertificates.KeyType.allCases {
            let t = type.rawValue
            let expected = try opensslReference(certificate: certs.file("\(t)-self.pem"), selector: 1, matchingType: 1)
            for form in ["pem", "der", "pub", "csr", "priv"] {
                XCTAssertTrue(
                    result.stdout.contains("_25._tcp.\(form).\(t).example.org."), "no record for \(form) \(t)")
                let line = result.stdout.split(separator: "\n").first {
                    $0.hasPrefix("_25._tcp.\(form).\(t).example.org.")
                }
                XCTAssertEqual(line.flatMap { Self.lastHex(String($0)) }, expected, "\(form) form of \(t)")
            }
            let keyText = try String(contentsOfFile: certs.file("\(t).key"), encoding: .utf8)
            let keyBody = keyText.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            XCTAssertFalse(result.stdout.contains(keyBody.prefix(40)) || result.stderr.contains(keyBody.prefix(40)))
        }
    }

    // MARK: - Helpers

    /// Runs danectl on one description covering every key type, self-signed and chained;
    /// returns each host's TLSA RDATA strings.
    func generate(_ certs: TestCertificates) throws -> [String: [String]] {
        let folder = try TemporaryFolder()
        var yaml = "domain: example.net\nmx:\n"
        for type in TestCertificates.KeyType.allCases {
            let t = type.rawValue
            yaml += "  - host: \(t)-self.example.net\n    certificate: \(certs.file("\(t)-self.pem"))\n"
            yaml += "    tlsa: [\(Self.endEntityParameters.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
            yaml += "  - host: \(t)-chain.example.net\n    certificate: \(certs.file("\(t)-chain.pem"))\n"
            yaml += "    tlsa: [\(Self.chainParameters.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
        }
        let description = try folder.write("all.yaml", yaml)
        let result = try Danectl.run(["generate", description, "--format", "json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let document = try JSONDecoder().decode(Document.self, from: Data(result.stdout.utf8))
        var byHost: [String: [String]] = [:]
        for row in document.records where row.type == "TLSA" {
            let host = row.owner.replacingOccurrences(of: "_25._tcp.", with: "").dropLast()
            byHost[String(host), default: []].append(row.rdata)
        }
        XCTAssertEqual(byHost.count, TestCertificates.KeyType.allCases.count * 2)
        return byHost
    }

    /// `openssl x509 | openssl pkey | openssl dgst`: the reference computation.
    func opensslReference(certificate: String, selector: Int, matchingType: Int) throws -> String {
        let select =
            selector == 1
            ? "openssl x509 -in '\(certificate)' -noout -pubkey | openssl pkey -pubin -outform DER"
            : "openssl x509 -in '\(certificate)' -outform DER"
        let match =
            switch matchingType {
            case 1: "openssl dgst -sha256 -r | cut -d' ' -f1"
            case 2: "openssl dgst -sha512 -r | cut -d' ' -f1"
            default: "od -An -v -tx1 | tr -d ' \\n'"
            }
        let result = try Processes.shell("\(select) | \(match)")
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// The association data of a printed TLSA record, whichever tool printed it.
    static func lastHex(_ text: String) -> String? {
        let line = text.split(separator: "\n").last { $0.contains("TLSA") } ?? Substring(text)
        let tokens = line.split(whereSeparator: { " \t()".contains($0) })
        return tokens.last.map { $0.lowercased() }
    }
}
