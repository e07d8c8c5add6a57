import FoundationEssentials
import PlainText
import ReportStore

/// TLS-RPT sessions per day as a server-drawn SVG bar chart: successful sessions in green,
/// failed ones in red above them, one bar per day of the period (empty days drawn empty), each
/// with a `<title>` that says the numbers, so the chart reads without JavaScript or colour.
enum SessionsChart {
    static let width = 720.0, height = 180.0, bottom = 24.0

    static func svg(_ days: [DailySessions], from first: Date, count: Int) -> String {
        let byDay = Dictionary(
            days.map { (Int($0.day.timeIntervalSince1970 / 86_400), $0) }, uniquingKeysWith: { a, _ in a })
        let firstDay = Int((first.timeIntervalSince1970 / 86_400).rounded(.down))
        let peak = max(1, days.map { $0.successful + $0.failed }.max() ?? 1)
        let slot = width / Double(count), plot = height - bottom
        var bars = ""
        for index in 0..<count {
            let day = firstDay + index
            let sessions = byDay[day]
            let (ok, failed) = (sessions?.successful ?? 0, sessions?.failed ?? 0)
            let x = Double(index) * slot + 1
            let okHeight = plot * Double(ok) / Double(peak), failedHeight = plot * Double(failed) / Double(peak)
            let label =
                "\(HTMLText.date(Date(timeIntervalSince1970: Double(day) * 86_400)).prefix(10)): \(ok) successful, \(failed) failed"
            bars += "<g class=\"day\"><title>\(HTMLEscaping.escape(label))</title>"
            bars += rect(x, plot - okHeight, slot - 2, okHeight, "#3a9d3a")
            bars += rect(x, plot - okHeight - failedHeight, slot - 2, failedHeight, "#d33a2c")
            bars += "</g>"
        }
        let firstLabel = HTMLText.date(first).prefix(10)
        let lastLabel = HTMLText.date(first.addingTimeInterval(Double(count - 1) * 86_400)).prefix(10)
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" role="img" \
            aria-label="TLS-RPT sessions per day, \(firstLabel) to \(lastLabel), highest \(peak)">\
            \(bars)<line x1="0" y1="\(plot)" x2="\(width)" y2="\(plot)" stroke="#888"/>\
            <text x="0" y="\(height - 6)" font-size="12">\(firstLabel)</text>\
            <text x="\(width)" y="\(height - 6)" font-size="12" text-anchor="end">\(lastLabel)</text>\
            <text x="0" y="12" font-size="12">\(peak) sessions</text></svg>
            """
    }

    private static func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ fill: String) -> String {
        guard h > 0 else { return "" }
        func number(_ value: Double) -> String { String((value * 10).rounded() / 10) }
        return
            "<rect x=\"\(number(x))\" y=\"\(number(y))\" width=\"\(number(w))\" height=\"\(number(h))\" fill=\"\(fill)\"/>"
    }
}
