import Foundation

/// Certificates and keys made with the openssl command line for each test run: every key
/// type operators deploy, self-signed and issued by a two-level CA.
final class TestCertificates {
    enum KeyType: String, CaseIterable {
        case rsa2048, p256, p384, ed25519

        var genpkeyArguments: String {
            switch self {
            case .rsa2048: "-algorithm RSA -pkeyopt rsa_keygen_bits:2048"
            case .p256: "-algorithm EC -pkeyopt ec_paramgen_curve:P-256"
            case .p384: "-algorithm EC -pkeyopt ec_paramgen_curve:P-384"
            case .ed25519: "-algorithm ED25519"
            }
        }
    }

    /// Made once per test run: RSA key generation is the slow part.
    nonisolated(unsafe) private static var made: TestCertificates?
    static func shared() throws -> TestCertificates {
        if let made { return made }
        let certificates = try TestCertificates()
        made = certificates
        // A static is never released: its folder goes when the test process exits.
        atexit { TestCertificates.made = nil }
        return certificates
    }

    let folder: TemporaryFolder
    var path: String { folder.path }

    init() throws {
        folder = try TemporaryFolder()
        var script = """
            openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
            openssl req -x509 -new -key ca.key -out ca.pem -days 3650 -subj "/CN=Test Root" \
              -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
            openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out int.key
            openssl req -new -key int.key -out int.csr -subj "/CN=Test Intermediate"
            printf 'basicConstraints=critical,CA:TRUE,pathlen:0\\nkeyUsage=critical,keyCertSign,cRLSign\\n' > ca.ext
            openssl x509 -req -in int.csr -CA ca.pem -CAkey ca.key -set_serial 2 -out int.pem -days 3650 -extfile ca.ext

            """
        for type in KeyType.allCases {
            let t = type.rawValue
            script += """
                openssl genpkey \(type.genpkeyArguments) -out \(t).key
                openssl req -x509 -new -key \(t).key -out \(t)-self.pem -days 365 -subj "/CN=\(t).example.net"
                openssl req -new -key \(t).key -out \(t).csr -subj "/CN=\(t).example.net"
                printf 'subjectAltName=DNS:\(t).example.net\\n' > \(t).ext
                openssl x509 -req -in \(t).csr -CA int.pem -CAkey int.key -set_serial 1\(KeyType.allCases.firstIndex(of: type)!) \
                  -out \(t)-leaf.pem -days 365 -extfile \(t).ext
                cat \(t)-leaf.pem int.pem > \(t)-chain.pem
                openssl x509 -in \(t)-self.pem -outform DER -out \(t)-self.der
                openssl pkey -in \(t).key -pubout -out \(t).pub

                """
        }
        let result = try Processes.shell(script + " 2>/dev/null", directory: folder.path)
        guard result.status == 0 else {
            throw SetupFailure(message: "openssl could not make test certificates: \(result.stderr)")
        }
    }

    func file(_ name: String) -> String { folder.file(name) }

    struct SetupFailure: Error { let message: String }
}
