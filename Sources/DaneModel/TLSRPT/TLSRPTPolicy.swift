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

    /// The TXT value, before splitting into 255-byte character-strings.
    public var recordText: String { "v=TLSRPTv1; rua=" + reportURIs.joined(separator: ",") }

    public static func ownerName(domain: DNSName) -> DNSName {
        domain.prepending("_tls").prepending("_smtp")
    }
}
