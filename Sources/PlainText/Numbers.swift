#if canImport(Glibc)
    import Glibc
#endif

/// Numbers printed the way printf prints them (the C library's own conversion, so rounding
/// is printf's): what Foundation's String(format:) gave for these two cases.
public enum Printf {
    /// `value` with `places` digits after the point (`%.3f`).
    public static func fixed(_ value: Double, places: Int) -> String {
        format("%.\(max(0, min(places, 17)))f", value)
    }

    /// `value` padded with zeros to `width` digits (`%05d`).
    public static func zeroPadded(_ value: Int, width: Int) -> String {
        format("%0\(max(0, min(width, 40)))ld", value)
    }

    private static func format(_ pattern: String, _ value: any CVarArg) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        let count = withVaList([value]) { arguments in vsnprintf(&buffer, buffer.count, pattern, arguments) }
        guard count >= 0 else { return "" }
        if Int(count) >= buffer.count {
            buffer = [CChar](repeating: 0, count: Int(count) + 1)
            _ = withVaList([value]) { arguments in vsnprintf(&buffer, buffer.count, pattern, arguments) }
        }
        return String(decoding: buffer.prefix(Int(count)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
