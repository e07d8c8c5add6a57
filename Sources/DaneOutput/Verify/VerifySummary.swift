import DaneModel

/// The one summary line `verify` ends a text run with: counts by outcome, and the exit status.
public enum VerifySummary {
    public static func line(_ reports: [DomainReport], status: Int32, always: Bool) -> String {
        guard always else { return "" }
        // One count per domain: they add up to the domains checked.
        let counts = DomainReport.Outcome.allCases.compactMap { outcome -> String? in
            let count = reports.filter { $0.outcome == outcome }.count
            return count == 0 && outcome != .pass ? nil : "\(count) \(VerifyWords.outcome(outcome))"
        }
        return "verified \(reports.count) domain(s): \(counts.joined(separator: ", ")) (exit \(status))\n"
    }
}
