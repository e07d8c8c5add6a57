import DaneModel
import Foundation
internal import Yams

/// Reads a YAML domain description into a checked `DomainDescription`.
///
/// Two shapes are accepted. One domain:
///
///     domain: example.com
///     mx: [{host: mx1.example.com, priority: 10, certificate: certs/mx1.pem}]
///
/// or many domains sharing MX hosts (a hosting provider):
///
///     hosts:   [{host: mx1.provider.net, certificate: certs/mx1.pem}]
///     domains: [{domain: a.example, mx: [{host: mx1.provider.net, priority: 10}]}]
///
/// Every problem is reported with its line and column, all at once; unknown keys are errors.
public enum DescriptionLoader {
    public static let defaultTTL: UInt32 = 3600

    public static func load(path: String) throws(DiagnosticError) -> DomainDescription {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw DiagnosticError(.error("file-unreadable", "cannot read the description: \(Self.reason(error))", at: SourceLocation(file: path)))
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try load(yaml: text, file: path, baseDirectory: base)
    }

    public static func load(yaml: String, file: String, baseDirectory: String) throws(DiagnosticError) -> DomainDescription {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw DiagnosticError(.error("yaml-empty", "the description is empty; start with \"domain:\" or \"domains:\"", at: SourceLocation(file: file)))
            }
            root = node
        } catch let error as DiagnosticError {
            throw error
        } catch {
            throw DiagnosticError(YAMLSyntax.diagnostic(error, file: file))
        }
        var reader = DescriptionReader(nodes: YAMLNodes(file: file), baseDirectory: baseDirectory)
        let description = reader.read(root)
        let errors = reader.nodes.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty, let description else { throw DiagnosticError(errors) }
        return description
    }

    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code))).lowercased()
        }
        if ns.domain == NSCocoaErrorDomain {
            switch ns.code {
            case NSFileReadNoSuchFileError: return "no such file"
            case NSFileReadNoPermissionError: return "permission denied"
            case NSFileReadInapplicableStringEncodingError: return "not UTF-8 text"
            default: break
            }
        }
        return ns.localizedDescription
    }
}

/// Turns libyaml's multi-line errors into one line with the position.
enum YAMLSyntax {
    static func diagnostic(_ error: Error, file: String) -> Diagnostic {
        guard let yaml = error as? YamlError else {
            return .error("yaml-syntax", "not valid YAML: \(error)", at: SourceLocation(file: file))
        }
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        switch yaml {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            // Point at where the broken construct starts (an unclosed quote, say), which is
            // where the fix goes; libyaml's own mark is often the end of the file.
            if let context {
                return .error("yaml-syntax", "not valid YAML: \(context.text) starting here: \(problem) at \(mark)", at: at(context.mark))
            }
            return .error("yaml-syntax", "not valid YAML: \(problem)", at: at(mark))
        case let .duplicatedKeysInMapping(duplicates, context):
            return .error("yaml-duplicate-key",
                          "key \(duplicates.map { "\"\($0)\"" }.joined(separator: ", ")) appears twice in the same mapping",
                          at: at(context.mark))
        case let .reader(problem, _, _, _):
            return .error("yaml-syntax", "not readable as YAML text: \(problem)", at: SourceLocation(file: file))
        default:
            return .error("yaml-syntax", "not valid YAML: \(yaml)", at: SourceLocation(file: file))
        }
    }
}
