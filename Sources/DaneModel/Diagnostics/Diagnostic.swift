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

    public init(_ severity: Severity, code: String, _ message: String, at location: SourceLocation? = nil) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
    }

    public static func error(_ code: String, _ message: String, at location: SourceLocation? = nil) -> Diagnostic {
        Diagnostic(.error, code: code, message, at: location)
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
