import DaneModel
import FileKit
import FoundationEssentials
import Glibc

/// Where reports come from on the command line: files, directories (a Maildir's `new/` and
/// `cur/`, or any folder of `.json`/`.json.gz`/message files), or standard input. Inside a
/// directory only regular files are read: a symbolic link is not followed (a mailbox owner
/// could point one at any file root can read), and a FIFO is skipped rather than waited on.
/// The report store's own files are never inputs.
public enum ReportInputs {
    public struct Input: Sendable {
        public let source: String
        /// True for standard input: an MTA pipe.
        public let isStandardInput: Bool
        public let read: @Sendable () throws -> Data

        /// An input read only when asked (`read`), e.g. a file, standard input or a test's bytes.
        public init(source: String, isStandardInput: Bool, read: @escaping @Sendable () throws -> Data) {
            (self.source, self.isStandardInput, self.read) = (source, isStandardInput, read)
        }
    }

    /// A name met but not read, and why (a link, a FIFO, the store itself).
    public struct Skipped: Sendable, Equatable {
        public let source: String
        public let reason: String
    }

    struct Missing: Error, Sendable, CustomStringConvertible {
        let description: String
    }

    /// Reading standard input failed (the input is recorded as unreadable, like a file).
    struct StandardInputUnreadable: Error, Sendable, CustomStringConvertible {
        let reason: String
        var description: String { "cannot read standard input: \(reason)" }
    }

    /// Every input named by `paths`, in a stable order; "-" is standard input. Each is read
    /// only when asked, at most `limit + 1` bytes.
    /// A path that does not exist stops the run before anything is stored (66).
    public static func expand(
        _ paths: [String], limit: Int, excluding storeFiles: [String] = []
    ) throws(DiagnosticError) -> (inputs: [Input], skipped: [Skipped]) {
        do { return try collect(paths, limit: limit, excluding: storeFiles) } catch {
            throw DiagnosticError(.error(.noInput("report-missing-file"), error.description))
        }
    }

    static func collect(
        _ paths: [String], limit: Int, excluding storeFiles: [String]
    ) throws(Missing) -> (inputs: [Input], skipped: [Skipped]) {
        let store = Set(storeFiles.compactMap(RegularFiles.identity))
        var inputs: [Input] = []
        var skipped: [Skipped] = []
        func add(_ path: String, followLinks: Bool) {
            if let identity = RegularFiles.identity(path), store.contains(identity) {
                skipped.append(Skipped(source: path, reason: "the report store's own file, not a report"))
                return
            }
            inputs.append(file(path, limit: limit, followLinks: followLinks))
        }
        for path in paths {
            if path == "-" {
                inputs.append(
                    Input(source: "standard input", isStandardInput: true) {
                        guard let data = Descriptors.readToEnd(STDIN_FILENO, limit: limit + 1) else {
                            throw StandardInputUnreadable(reason: String(cString: strerror(errno)))
                        }
                        return data
                    })
                continue
            }
            guard FileManager.default.fileExists(atPath: path) else {
                throw Missing(description: "\(path): no such file or directory")
            }
            if !RegularFiles.isDirectory(path) {
                // Named on the command line: the operator's own choice of link is followed.
                add(path, followLinks: true)
                continue
            }
            let maildir = ["new", "cur"].map { OutputLayout.path(in: path, $0) }
            let folders = maildir.allSatisfy { FileManager.default.fileExists(atPath: $0) } ? maildir : [path]
            for folder in folders {
                guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
                    throw Missing(description: "\(folder): cannot list this directory")
                }
                for name in names.sorted() where !name.hasPrefix(".") {
                    let full = OutputLayout.path(in: folder, name)
                    switch RegularFiles.kind(full) {
                    case .regular?: add(full, followLinks: false)
                    case .directory?, nil: continue
                    case let other?: skipped.append(Skipped(source: full, reason: "\(other.words): not read"))
                    }
                }
            }
        }
        return (inputs, skipped)
    }

    private static func file(_ path: String, limit: Int, followLinks: Bool) -> Input {
        Input(source: path, isStandardInput: false) {
            try RegularFiles.read(path, limit: limit, followLinks: followLinks)
        }
    }
}
