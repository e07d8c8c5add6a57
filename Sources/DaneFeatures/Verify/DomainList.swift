import DaneModel
import FileKit
import FoundationEssentials
import Glibc
import PlainText

/// `verify --domains-from FILE`: one domain a line; blank lines and `#` comments skipped; `-`
/// is standard input. A line that is not a domain name stops the run, naming file and line.
public enum DomainList {
    public static func read(_ path: String) throws(DiagnosticError) -> [String] {
        let data: Data
        if path == "-" {
            guard let read = Descriptors.readToEnd(STDIN_FILENO) else {
                throw DiagnosticError(
                    .error(
                        .noInput("usage-domains-unreadable"),
                        "cannot read the domain list from standard input: \(String(cString: strerror(errno)))"))
            }
            data = read
        } else {
            do { data = try RegularFiles.read(path, limit: 256 << 20, followLinks: true) } catch {
                throw DiagnosticError(.error(.noInput("usage-domains-unreadable"), error.description))
            }
        }
        var domains: [String] = []
        for (number, raw) in String(decoding: data, as: UTF8.self).split(
            separator: "\n", omittingEmptySubsequences: false
        ).enumerated() {
            let line = (raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                .trimmed()
            guard !line.isEmpty else { continue }
            guard (try? DNSName(hostName: line)) != nil else {
                throw DiagnosticError(
                    .error(
                        .usage("usage-domain-name"),
                        "\"\(TerminalText.visible(line, limit: 80))\" is not a domain name",
                        at: SourceLocation(file: path == "-" ? "standard input" : path, line: number + 1)))
            }
            domains.append(line)
        }
        return domains
    }
}
