/// The Prometheus text exposition format's one escaping rule, shared by every `prometheus`
/// output: label values escape backslash, double quote and newline.
enum PrometheusText {
    static func label(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
