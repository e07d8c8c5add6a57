/// The Prometheus text exposition format's escaping rule, shared by every `prometheus`
/// output: label values escape backslash, double quote and newline. Values can come from
/// strangers (a report's host names and addresses), so they are also bounded: control
/// characters become "?" and at most 128 characters are kept.
enum PrometheusText {
    static let maximumLabelLength = 128

    static func label(_ value: String) -> String {
        let visible = String(
            String.UnicodeScalarView(
                value.unicodeScalars.prefix(maximumLabelLength).map {
                    $0.value < 0x20 || $0.value == 0x7F ? "?" : $0
                }))
        return visible.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
    }
}
