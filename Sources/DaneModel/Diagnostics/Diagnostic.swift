/// Where a problem is: a file, and for YAML the line and column (1-based).
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let column: Int?

    public init(file: String, line: Int? = nil, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        switch (line, column) {
        case let (line?, column?): "\(file):\(line):\(column)"
        case let (line?, nil): "\(file):\(line)"
        default: file
        }
    }
}

/// One finding, as data: printing (and colour) is the CLI's business.
///
/// `code` is stable and meant for tests and scripts; `message` is for the operator and may be
/// reworded. Two diagnostics are equal when their codes and locations are.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning, note }

    public let severity: Severity
    public let code: String
    public let message: String
    public let location: SourceLocation?
    /// The exit status a run stopped by this error ends with (set by its `ErrorCode`).
    public let exit: ExitStatus

    public init(
        _ severity: Severity, code: String, _ message: String, at location: SourceLocation? = nil,
        exit: ExitStatus = .badData
    ) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
        self.exit = exit
    }

    public static func error(_ code: ErrorCode, _ message: String, at location: SourceLocation? = nil) -> Diagnostic {
        Diagnostic(.error, code: code.name, message, at: location, exit: code.exit)
    }

    public static func warning(_ code: String, _ message: String, at location: SourceLocation? = nil) -> Diagnostic {
        Diagnostic(.warning, code: code, message, at: location)
    }

    /// `file:line:column: error: message` — the shape compilers use and editors jump to.
    public var description: String {
        let prefix = location.map { "\($0): " } ?? ""
        return "\(prefix)\(severity.rawValue): \(message)"
    }

    public static func == (lhs: Diagnostic, rhs: Diagnostic) -> Bool {
        lhs.code == rhs.code && lhs.location == rhs.location
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(location)
    }
}

/// Thrown when a run cannot go on; carries every error found, so the operator fixes them all
/// in one pass instead of one per run.
public struct DiagnosticError: Error, Sendable, CustomStringConvertible {
    public let diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public init(_ diagnostic: Diagnostic) { self.diagnostics = [diagnostic] }

    public var codes: [String] { diagnostics.map(\.code) }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// An error's stable name and the exit status it stands for, stated where the error is made:
/// no status is ever read back from a code's spelling.
public struct ErrorCode: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let exit: ExitStatus

    public init(_ name: String, exit: ExitStatus) {
        self.name = name
        self.exit = exit
    }

    public var description: String { name }

    /// Bad command-line usage (64).
    public static func usage(_ name: String) -> ErrorCode { ErrorCode(name, exit: .usage) }
    /// Bad input data: description, certificate, key, zone, template, state, report (65).
    public static func badData(_ name: String) -> ErrorCode { ErrorCode(name, exit: .badData) }
    /// An input file cannot be opened (66).
    public static func noInput(_ name: String) -> ErrorCode { ErrorCode(name, exit: .noInput) }
    /// The server is not authoritative for the zone (68).
    public static func notAuthoritative(_ name: String) -> ErrorCode { ErrorCode(name, exit: .notAuthoritative) }
    /// A service that must be asked is unreachable (69).
    public static func unavailable(_ name: String) -> ErrorCode { ErrorCode(name, exit: .unavailable) }
    /// The output cannot be written (73).
    public static func cannotCreate(_ name: String) -> ErrorCode { ErrorCode(name, exit: .cannotCreate) }
    /// Not yet: try again later (75).
    public static func tryLater(_ name: String) -> ErrorCode { ErrorCode(name, exit: .tryLater) }
    /// The server rejected the key (77).
    public static func noPermission(_ name: String) -> ErrorCode { ErrorCode(name, exit: .noPermission) }
    /// The server refuses this change by policy (78).
    public static func refusedByPolicy(_ name: String) -> ErrorCode { ErrorCode(name, exit: .refusedByPolicy) }
}
