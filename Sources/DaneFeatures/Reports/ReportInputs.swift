import Foundation

/// Where reports come from on the command line: files, directories (a Maildir's `new/` and
/// `cur/`, or any folder of `.json`/`.json.gz`/message files), or standard input.
public enum ReportInputs {
    public struct Input: Sendable {
        public let source: String
        public let read: @Sendable () throws -> Data
    }

    public struct Missing: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Every input named by `paths`, in a stable order; "-" is standard input. Each is read
    /// only when asked, at most `limit + 1` bytes.
    public static func expand(_ paths: [String], limit: Int) throws(Missing) -> [Input] {
        var inputs: [Input] = []
        for path in paths {
            if path == "-" {
                inputs.append(Input(source: "standard input") {
                    FileHandle.standardInput.readData(ofLength: limit + 1)
                })
                continue
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw Missing(description: "\(path): no such file or directory")
            }
            if !isDirectory.boolValue {
                inputs.append(file(path, limit: limit))
                continue
            }
            let maildir = ["new", "cur"].map { (path as NSString).appendingPathComponent($0) }
            let folders = maildir.allSatisfy { FileManager.default.fileExists(atPath: $0) } ? maildir : [path]
            for folder in folders {
                guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
                    throw Missing(description: "\(folder): cannot list this directory")
                }
                for name in names.sorted() where !name.hasPrefix(".") {
                    let full = (folder as NSString).appendingPathComponent(name)
                    var nested: ObjCBool = false
                    if FileManager.default.fileExists(atPath: full, isDirectory: &nested), !nested.boolValue { inputs.append(file(full, limit: limit)) }
                }
            }
        }
        return inputs
    }

    /// Reads at most `limit + 1` bytes, so an oversized input is seen as such without being held whole.
    private static func file(_ path: String, limit: Int) -> Input {
        Input(source: path) {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            return try handle.read(upToCount: limit + 1) ?? Data()
        }
    }
}
