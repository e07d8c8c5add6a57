import FoundationEssentials
import Glibc

/// Words for a failed file operation of FoundationEssentials (FileManager, String and Data
/// reading and writing): the C library's words for the underlying errno ("no such file or
/// directory"), the way every other file error of danectl is worded.
public enum FileErrors {
    public static func reason(_ error: any Error) -> String {
        if let posix = error as? POSIXError { return words(posix.code.rawValue) }
        if let cocoa = error as? CocoaError, let posix = cocoa.underlying as? POSIXError {
            return words(posix.code.rawValue)
        }
        if let cocoa = error as? CocoaError {
            switch cocoa.code {
            case .fileReadNoSuchFile, .fileNoSuchFile: return "no such file"
            case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
            case .fileReadInapplicableStringEncoding, .fileReadCorruptFile: return "not UTF-8 text"
            case .fileWriteOutOfSpace: return "no space left on device"
            case .fileWriteVolumeReadOnly: return "read-only file system"
            default: return "file error \(cocoa.code.rawValue)"
            }
        }
        return "\(error)"
    }

    static func words(_ code: Int32) -> String { String(cString: strerror(code)).lowercased() }
}

extension RegularFiles {
    /// Whether `path` names a folder (following links), as `mkdir -p` would find it.
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }
}
