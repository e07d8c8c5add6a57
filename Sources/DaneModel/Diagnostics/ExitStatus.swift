import FoundationEssentials
import PlainText

/// The exit statuses every command uses, with the same meaning everywhere (sysexits(3) where
/// one fits). 1-3 are each command's verdicts; 64 and up mean the command could not give one.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case success = 0
    /// verify: DANE fails somewhere; rollover check: unsafe, or nothing planned.
    case verdictFailure = 1
    /// verify, rollover check: a DNS or DNSSEC problem.
    case verdictDNSProblem = 2
    /// verify: mail flows, but DANE is not in force.
    case verdictNotProtected = 3
    /// Bad command-line usage (EX_USAGE).
    case usage = 64
    /// Bad input data: description, certificate, key, zone, template, state (EX_DATAERR).
    case badData = 65
    /// An input file cannot be opened (EX_NOINPUT).
    case noInput = 66
    /// publish: the server is not authoritative (not a primary) for the zone (EX_NOHOST).
    case notAuthoritative = 68
    /// A service it needs (resolver, name server, MX) is unreachable (EX_UNAVAILABLE).
    case unavailable = 69
    /// The output cannot be written; earlier output is untouched (EX_CANTCREAT).
    case cannotCreate = 73
    /// Not yet: try again later (EX_TEMPFAIL); the rollover gate's "wait"; publish: an RRset
    /// changed since it was read, or the change is not served signed yet.
    case tryLater = 75
    /// publish: the server rejected the TSIG key (BADKEY, BADSIG, BADTIME) (EX_NOPERM).
    case noPermission = 77
    /// publish: the server refuses updates of this zone with this key (EX_CONFIG).
    case refusedByPolicy = 78

    /// The status for a run stopped by these errors: usage errors first, then unreachable
    /// services, unwritable output, bad data; "cannot open" only when every error is that.
    public init(stoppedBy error: DiagnosticError) {
        let kinds = Set(error.diagnostics.filter { $0.severity == .error }.map(\.exit))
        self =
            [
                .usage, .noPermission, .refusedByPolicy, .notAuthoritative, .tryLater, .unavailable, .cannotCreate,
                .badData,
            ]
            .first(where: kinds.contains) ?? (kinds.isEmpty ? .badData : .noInput)
    }

    /// The lines every command's --help shows for the statuses it can end with.
    public static func helpLines(_ verdicts: [(ExitStatus, String)]) -> String {
        let common: [(ExitStatus, String)] = [
            (.usage, "bad command-line usage"),
            (.badData, "bad input: description, certificate, key, zone file, template (nothing written)"),
            (.noInput, "an input file cannot be opened"),
            (.unavailable, "could not run: a resolver, name server or MX that must be asked is unreachable"),
            (.cannotCreate, "the output could not be written (earlier output untouched)"),
        ]
        // Each status once: a command's own meaning replaces the common one.
        let listed = Set(verdicts.map(\.0))
        return "EXIT STATUS\n"
            + (verdicts + common.filter { !listed.contains($0.0) }).map { status, text in
                let first = "  " + String(status.rawValue).padded(to: 4)
                return wrapped(text, width: 72).enumerated().map { index, line in
                    (index == 0 ? first : "      ") + line
                }.joined(separator: "\n")
            }.joined(separator: "\n")
    }

    /// Words of `text` in lines of at most `width` characters (help screens are 80 wide, and
    /// the argument parser would otherwise wrap continuation lines to the left margin).
    static func wrapped(_ text: String, width: Int) -> [String] {
        var lines: [String] = [], current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty && current.count + 1 + word.count > width {
                lines.append(current)
                current = ""
            }
            current += (current.isEmpty ? "" : " ") + word
        }
        return lines + (current.isEmpty ? [] : [current])
    }
}
