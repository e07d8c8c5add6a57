import DaneModel

/// The one summary line `verify` ends a text run with: counts by outcome, and the exit status.
public enum VerifySummary {
    public static func line(_ reports: [DomainReport], status: Int32, always: Bool) -> String {
        guard always else { return "" }
        // One count per domain: they add up to the domains checked. Counted in one pass, not
        // by filtering (each filtered list copied a provider's reports).
        var tally: [DomainReport.Outcome: Int] = [:]
        for report in reports { tally[report.outcome, default: 0] += 1 }
        let counts = DomainReport.Outcome.allCases.compactMap { outcome -> String? in
            let count = tally[outcome] ?? 0
            return count == 0 && outcome != .pass ? nil : "\(count) \(VerifyWords.outcome(outcome))"
        }
        return "verified \(reports.count) domain(s): \(counts.joined(separator: ", ")) (exit \(status))\n"
    }
}
