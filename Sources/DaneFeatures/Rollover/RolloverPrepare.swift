import DaneModel
import DaneSpec
import FileKit
import FoundationEssentials
import Glibc
import OpenSSLKit

/// The next key of one host, made (or found already there) by `rollover prepare`.
public struct PreparedKey: Sendable, Equatable {
    public let host: String
    public let keyPath: String
    public let csrPath: String
    /// False when the `next:` file already existed: prepare never replaces a next key.
    public let made: Bool
}

/// `rollover prepare`: for each host whose `next:` file does not exist yet, makes the next
/// private key (the same kind as the key in service, mode 0600) and a CSR for the host's
/// name beside it, so `generate` can publish the next hash weeks before any certificate
/// exists. Running it again changes nothing.
public enum RolloverPrepare {
    public static func run(file: String, hosts filter: [String]) throws(DiagnosticError) -> [PreparedKey] {
        let description = try DescriptionLoader.load(path: file)
        let hosts = try RolloverChecker.select(description, filter)
        var prepared: [PreparedKey] = []
        for host in hosts {
            guard let next = host.next.first else {
                if filter.isEmpty { continue }
                throw DiagnosticError(
                    .error(
                        .badData("rollover-no-next-path"),
                        "\(host.host) has no `next:` to prepare; add one naming the key file to create, e.g. "
                            + "next: keys/\(String(host.host.fqdn.dropLast()))-next.key", at: host.location))
            }
            prepared.append(try prepare(host, at: next))
        }
        return prepared
    }

    /// Makes the key and CSR at `next` unless the file exists.
    static func prepare(_ host: MXHostSpec, at next: KeySourceSpec) throws(DiagnosticError) -> PreparedKey {
        let csrPath = csrPath(forKey: next.path)
        var info = stat()
        if stat(next.path, &info) == 0 {
            // What is there must be a key file, and a private key no other user can read.
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw DiagnosticError(
                    .error(
                        .badData("rollover-next-not-a-file"),
                        "\(next.written) is not a regular file (a directory?): `next:` names the key file itself",
                        at: next.location))
            }
            if info.st_mode & 0o004 != 0, (try? KeyMaterialLoader().load(next))?.kind == .privateKey {
                throw DiagnosticError(
                    .error(
                        .badData("rollover-next-key-readable"),
                        "\(next.written) holds a private key that every user on this machine can read (mode \(String(info.st_mode & 0o777, radix: 8))): "
                            + "chmod o-r it (0600, or 0640 for the MTA's group), and consider it exposed",
                        at: next.location))
            }
            return PreparedKey(host: host.host.fqdn, keyPath: next.path, csrPath: csrPath, made: false)
        }
        let current = try KeyMaterialLoader().load(host.current[0])
        let made: NextKeyMaker.Made
        do {
            made = try NextKeyMaker.make(
                like: current.subjectPublicKeyInfoDER, names: [String(host.host.fqdn.dropLast())])
        } catch {
            throw DiagnosticError(
                .error(
                    .badData("key-generation"), "cannot make the next key for \(host.host): \(error)", at: next.location
                ))
        }
        do {
            try FileManager.default.createDirectory(
                atPath: RegularFiles.folder(of: next.path), withIntermediateDirectories: true)
            try AtomicFiles.write([(next.path, made.privateKeyPEM, 0o600), (csrPath, made.csrPEM, 0o644)])
        } catch {
            throw DiagnosticError(
                .error(
                    .cannotCreate("output-write"), "cannot write the next key for \(host.host): \(error)",
                    at: next.location))
        }
        return PreparedKey(host: host.host.fqdn, keyPath: next.path, csrPath: csrPath, made: true)
    }

    /// `keys/mx-next.key` -> `keys/mx-next.csr`.
    static func csrPath(forKey path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return ["key", "pem"].contains(url.pathExtension)
            ? url.deletingPathExtension().appendingPathExtension("csr").path : path + ".csr"
    }
}
