internal import CLDNS

/// A failure reported by ldns (or by our use of it), as text an operator can act on.
public struct LDNSError: Error, Sendable, CustomStringConvertible {
    public let reason: String
    /// The 1-based line of the input where ldns stopped, when it says.
    public let line: Int?
    /// True when the input could not be opened at all (rather than opened and found wrong).
    public let unreadable: Bool
    /// The file `line` is in, when it is not the one the caller named (an `$INCLUDE`d file).
    public let file: String?

    public init(_ reason: String, line: Int? = nil, unreadable: Bool = false, file: String? = nil) {
        self.reason = reason
        self.line = line
        self.unreadable = unreadable
        self.file = file
    }

    public var description: String { reason }

    static func status(_ status: ldns_status, _ what: String, line: Int? = nil, file: String? = nil) -> LDNSError {
        let text = ldns_get_errorstr_by_id(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
        return LDNSError("\(what): \(text.prefix(1).lowercased() + text.dropFirst())", line: line, file: file)
    }
}

/// Owned C strings from ldns's `*2str` functions.
func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
    guard let pointer else { return "" }
    defer { free(pointer) }
    return String(cString: pointer)
}

/// Reads a whole `FILE*` written by ldns's print functions, via `open_memstream`.
func capturePrint(_ body: (UnsafeMutablePointer<FILE>) -> Void) -> String {
    var buffer: UnsafeMutablePointer<CChar>?
    var size = 0
    guard let stream = open_memstream(&buffer, &size) else { return "" }
    body(stream)
    fclose(stream)
    defer { free(buffer) }
    guard let buffer else { return "" }
    return String(decoding: UnsafeRawBufferPointer(start: buffer, count: size), as: UTF8.self)
}

/// Opens a text as a read-only `FILE*` for ldns's `*_frm_fp` parsers.
func withTextStream<T>(_ text: String, _ body: (UnsafeMutablePointer<FILE>) -> T) -> T? {
    var bytes = Array(text.utf8)
    if bytes.isEmpty { bytes = [0x0a] }
    return bytes.withUnsafeMutableBytes { raw -> T? in
        guard let stream = fmemopen(raw.baseAddress, raw.count, "r") else { return nil }
        defer { fclose(stream) }
        return body(stream)
    }
}

/// ldns's structs are complete in its headers, so they import as typed pointers.
typealias RRPointer = UnsafeMutablePointer<ldns_rr>
typealias KeyPointer = UnsafeMutablePointer<ldns_key>
typealias KeyListPointer = UnsafeMutablePointer<ldns_key_list>
