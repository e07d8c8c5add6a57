import FoundationEssentials

/// Where the reports live: an SQLite file (the default: one machine, nothing to run) or a
/// PostgreSQL database (several receivers writing into one store). Chosen by what the
/// operator writes: `postgres://…` / `postgresql://…` is PostgreSQL, `sqlite:PATH` or a
/// plain path is SQLite.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    public init(_ text: String) {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else if text.hasPrefix("sqlite:") {
            self = .sqlite(path: String(text.dropFirst("sqlite:".count)))
        } else {
            self = .sqlite(path: text)
        }
    }

    /// How the store is named in messages: a PostgreSQL URL without its password.
    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let url):
            guard let scheme = url.firstRange(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else {
                return url
            }
            let credentials = url[scheme.upperBound..<at]
            guard let colon = credentials.firstIndex(of: ":") else { return url }
            return String(url[..<colon]) + ":***" + String(url[at...])
        }
    }
}
