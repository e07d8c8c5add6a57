import DaneModel
import FileKit
import FoundationEssentials
import Glibc
import WorkSharing
import YAMLKit

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

    /// A description is small text; anything larger is not one (and is not read into memory).
    public static let maximumSize = 64 << 20

    /// Whether a command-line word names a description (YAML) rather than a domain or zone file.
    public static func isDescription(_ path: String) -> Bool { path.hasSuffix(".yaml") || path.hasSuffix(".yml") }

    public static func load(path: String) throws(DiagnosticError) -> DomainDescription {
        let place = SourceLocation(file: path)
        // Look before opening: a FIFO would block, a device never end, a folder confuse.
        var info = stat()
        if stat(path, &info) == 0 {
            let kind = info.st_mode & S_IFMT
            guard kind == S_IFREG else {
                let what =
                    kind == S_IFDIR
                    ? "a folder"
                    : kind == S_IFIFO
                        ? "a named pipe" : kind == S_IFCHR || kind == S_IFBLK ? "a device" : "not a regular file"
                throw DiagnosticError(
                    .error(
                        .noInput("file-unreadable"), "cannot read the description: it is \(what), not a file", at: place
                    ))
            }
            guard info.st_size <= maximumSize else {
                throw DiagnosticError(
                    .error(
                        .badData("description-too-large"),
                        "the description is \(info.st_size) bytes; more than \(maximumSize >> 20) MiB is not a description",
                        at: place))
            }
        }
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try RegularFiles.read(path, limit: maximumSize, followLinks: true))
        } catch {
            throw DiagnosticError(
                .error(.noInput("file-unreadable"), "cannot read the description: \(Self.reason(error))", at: place))
        }
        let offset = Self.firstInvalidUTF8(bytes)
        guard offset == bytes.count else {
            throw DiagnosticError(
                .error(
                    .badData("description-not-utf8"),
                    "the description is not UTF-8 text (the first bad byte is at offset \(offset)); save it as UTF-8",
                    at: place))
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try load(utf8: bytes, file: path, baseDirectory: base)
    }

    public static func load(
        yaml: String, file: String, baseDirectory: String
    ) throws(DiagnosticError) -> DomainDescription {
        try load(utf8: Array(yaml.utf8), file: file, baseDirectory: baseDirectory)
    }

    static func load(
        utf8 bytes: [UInt8], file: String, baseDirectory: String
    ) throws(DiagnosticError) -> DomainDescription {
        // The plain case straight from libyaml's events; anything else (a syntax error, an
        // alias, a repeated key) through the full composer, which words what is wrong.
        // A provider's `domains:` list is read entry by entry as it streams in, when it is the
        // last entry of the top level (its entries need the defaults and hosts above it).
        func fresh() -> DescriptionReader {
            DescriptionReader(nodes: YAMLNodes(file: file), baseDirectory: baseDirectory)
        }
        var reader = fresh()
        let description: DomainDescription?
        let (streamed, began) = streamDomains(bytes, into: &reader)
        switch streamed {
        case .whole(let root):
            description = reader.read(root)
        case .streamed:
            description = began ? reader.finish() : nil
        case .entriesFollowed:
            reader = fresh()
            if let root = YAMLTreeReader.document(bytes) {
                description = reader.read(root)
            } else {
                description = reader.read(try composed(bytes, file: file))
            }
        case .unsupported:
            reader = fresh()  // nothing read on the way counts
            description = reader.read(try composed(bytes, file: file))
        }
        let errors = reader.nodes.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty, let description else { throw DiagnosticError(errors) }
        return description
    }

    /// Reads the document, checking the `domains:` entries on a second thread while libyaml
    /// parses the rest on this one (a provider's 100,000 entries: each core does about half).
    /// The entries reach the reader in document order, after `begin`, exactly as on one thread.
    /// Also answers whether the reader began (took the top level as a description).
    static func streamDomains(
        _ bytes: [UInt8], into reader: inout DescriptionReader
    ) -> (streamed: YAMLTreeReader.Streamed, began: Bool) {
        enum Event: Sendable { case begin(YAMLValue), item(YAMLValue) }
        final class Checking: @unchecked Sendable {  // touched by the consumer only, until `wait` returns
            var reader: DescriptionReader
            var began = false
            init(_ reader: DescriptionReader) { self.reader = reader }
        }
        let checking = Checking(reader)
        let pipe = BatchPipe<Event>()
        let consumer = pipe.consume { event in
            switch event {
            case .begin(let root): checking.began = checking.reader.begin(root)
            case .item(let entry): if checking.began { checking.reader.readDomainsEntry(entry) }
            }
        }
        var batch: [Event] = []
        func flush() {
            if !batch.isEmpty { pipe.send(batch) }
            batch = []
        }
        let streamed = YAMLTreeReader.document(
            bytes, streaming: "domains",
            begin: { batch.append(.begin($0)) },
            item: {
                batch.append(.item($0))
                if batch.count == 256 { flush() }
            })
        flush()
        pipe.close()
        consumer.wait()
        reader = checking.reader
        return (streamed, checking.began)
    }

    /// The document as the full composer makes it, or the diagnostic for why it cannot.
    static func composed(_ bytes: [UInt8], file: String) throws(DiagnosticError) -> YAMLValue {
        let document: YAMLValue?
        do { document = try YAMLComposer.compose(bytes) } catch {
            throw DiagnosticError(YAMLSyntax.diagnostic(error, file: file))
        }
        guard let document else {
            throw DiagnosticError(
                .error(
                    .badData("yaml-empty"), "the description is empty; start with \"domain:\" or \"domains:\"",
                    at: SourceLocation(file: file)))
        }
        return document
    }

    /// The offset of the first byte that does not continue a valid UTF-8 sequence.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        // The standard library's validation is vectorised; the walk below only finds the place.
        if String(validating: bytes, as: UTF8.self) != nil { return bytes.count }
        var offset = 0
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return offset
            case .error: return offset
            }
        }
    }

    static func reason(_ error: RegularFiles.Failure) -> String {
        switch error {
        case .unreadable(_, _, ENOENT): "no such file"
        case .unreadable(_, _, EACCES): "permission denied"
        case .unreadable(_, let reason, _): reason.lowercased()
        case .notRegular(_, let kind): "it is \(kind.words)"
        }
    }
}

/// Turns libyaml's errors into one line with the position.
enum YAMLSyntax {
    static func diagnostic(_ error: YAMLComposeError, file: String) -> Diagnostic {
        switch error {
        case let .syntax(problem, line, column, context):
            // Point at where the broken construct starts (an unclosed quote, say), which is
            // where the fix goes; libyaml's own mark is often the end of the file.
            if let context {
                return .error(
                    .badData("yaml-syntax"),
                    "not valid YAML: \(context.text) starting here: \(problem) at \(line):\(column)",
                    at: SourceLocation(file: file, line: context.line, column: context.column))
            }
            return .error(
                .badData("yaml-syntax"), "not valid YAML: \(problem)",
                at: SourceLocation(file: file, line: line, column: column))
        case let .duplicateKeys(keys, line, column):
            return .error(
                .badData("yaml-duplicate-key"),
                "key \(keys.map { "\"\($0)\"" }.joined(separator: ", ")) appears twice in the same mapping",
                at: SourceLocation(file: file, line: line, column: column))
        case let .unreadable(problem):
            return .error(
                .badData("yaml-syntax"), "not readable as YAML text: \(problem)", at: SourceLocation(file: file))
        }
    }
}
