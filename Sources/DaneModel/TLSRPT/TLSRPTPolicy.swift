import FoundationEssentials
import PlainText

/// The TLS-RPT policy record of RFC 8460 §3: where senders send their daily TLS reports.
///
/// Published as `_smtp._tls.<domain>. TXT "v=TLSRPTv1; rua=<uri>[,<uri>...]"`.
public struct TLSRPTPolicy: Sendable, Hashable {
    public let reportURIs: [String]

    public enum URIError: Error, Sendable, CustomStringConvertible {
        case empty
        case scheme(String)
        case mailtoAddress(String)
        case httpsHost(String)
        case mustBeEncoded(String, Character)

        public var description: String {
            switch self {
            case .empty: "rua is empty; give at least one mailto: or https: URI"
            case .scheme(let u): "\"\(u)\" is not a mailto: or https: URI (RFC 8460 §3 allows only those two)"
            case .mailtoAddress(let u): "\"\(u)\" has no mail address after mailto: (want mailto:tlsrpt@example.com)"
            case .httpsHost(let u): "\"\(u)\" has no host after https:// (want https://reports.example.com/tlsrpt)"
            case .mustBeEncoded(let u, let c):
                "\"\(u)\" contains \"\(c == " " ? "space" : String(c))\"; percent-encode it (RFC 8460 §3: commas, "
                    + "exclamation points and semicolons would split the record)"
            }
        }
    }

    public init(reportURIs: [String]) throws(URIError) {
        guard !reportURIs.isEmpty else { throw .empty }
        for uri in reportURIs { try Self.check(uri) }
        self.reportURIs = reportURIs
    }

    /// Checks one report URI; shared by `generate` and anything that reads live records.
    public static func check(_ uri: String) throws(URIError) {
        if let bad = uri.first(where: { ",;! \t\"\\".contains($0) || !$0.isASCII || $0.asciiValue! < 0x21 }) {
            throw .mustBeEncoded(uri, bad)
        }
        let lower = uri.lowercased()
        if lower.hasPrefix("mailto:") {
            let address = uri.dropFirst("mailto:".count).split(separator: "?", maxSplits: 1).first ?? ""
            let parts = address.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasSuffix(".") else {
                throw .mailtoAddress(uri)
            }
        } else if lower.hasPrefix("https://") {
            let host = uri.dropFirst("https://".count).prefix { $0 != "/" && $0 != ":" && $0 != "?" }
            guard !host.isEmpty, host.contains(".") || host == "localhost" else { throw .httpsHost(uri) }
        } else {
            throw .scheme(uri)
        }
    }

    /// What is wrong with a live `_smtp._tls` record, in RFC 8460 §3's terms.
    public enum RecordError: Error, Sendable, Equatable, CustomStringConvertible {
        case version
        case noRUA
        case duplicateRUA
        case field(String)
        case uri(String)
        case several(Int)

        public var description: String {
            switch self {
            case .version: "it does not start with \"v=TLSRPTv1\" (case matters)"
            case .noRUA: "it has no rua= field, so senders have nowhere to send reports"
            case .duplicateRUA: "it has two rua= fields; list every URI in one, separated by commas"
            case .field(let text): "\"\(text)\" is not a name=value field (RFC 8460 §3)"
            case .uri(let why): why
            case .several(let n):
                "there are \(n) TLS-RPT records at this name; senders use none unless there is exactly one"
            }
        }
    }

    /// Parses a live record's text (the TXT strings joined) by RFC 8460 §3's grammar: the
    /// version first, fields separated by `;`, one `rua=` with comma-separated URIs, and
    /// extension fields `name=value` that senders ignore.
    public init(recordText text: String) throws(RecordError) {
        var fields = text.split(separator: ";", omittingEmptySubsequences: false).map {
            $0.trimmed(.characters(in: " \t"))
        }
        if fields.last == "" { fields.removeLast() }
        guard fields.first == "v=TLSRPTv1" else { throw .version }
        var uris: [String]?
        for field in fields.dropFirst() {
            guard let equals = field.firstIndex(of: "="), equals != field.startIndex else { throw .field(field) }
            let name = field[..<equals], value = field[field.index(after: equals)...]
            guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }),
                name.count <= 32, !value.isEmpty
            else {
                throw .field(field)
            }
            if name == "rua" {
                guard uris == nil else { throw .duplicateRUA }
                uris = value.split(separator: ",", omittingEmptySubsequences: false).map {
                    $0.trimmed(.characters(in: " \t"))
                }
            }
        }
        guard let uris else { throw .noRUA }
        do { try self.init(reportURIs: uris) } catch { throw .uri(error.description) }
    }

    /// The TLS-RPT policy senders find among a name's TXT records (RFC 8460 §3: records not
    /// starting with the version are ignored; there must be exactly one), or why there is none.
    /// nil when no record claims to be TLS-RPT at all.
    public static func live(_ texts: [String]) -> Result<TLSRPTPolicy, RecordError>? {
        let candidates = texts.filter { $0.hasPrefix("v=TLSRPTv1") }
        guard !candidates.isEmpty else {
            return texts.first { $0.lowercased().hasPrefix("v=tlsrpt") }.map { _ in .failure(.version) }
        }
        guard candidates.count == 1 else { return .failure(.several(candidates.count)) }
        do { return .success(try TLSRPTPolicy(recordText: candidates[0])) } catch { return .failure(error) }
    }

    /// The TXT value, before splitting into 255-byte character-strings.
    public var recordText: String { "v=TLSRPTv1; rua=" + reportURIs.joined(separator: ",") }

    public static func ownerName(domain: DNSName) -> DNSName {
        domain.prepending("_tls").prepending("_smtp")
    }
}
