import DaneModel

/// The one summary line `verify` ends a text run with: counts by outcome, and the exit status.
public enum VerifySummary {
    public static func line(_ reports: [DomainReport], status: Int32, always: Bool) -> String {
        guard always else { return "" }
        func count(_ outcome: DomainReport.Outcome) -> Int { reports.filter { $0.outcome == outcome }.count }
        let sts = reports.filter(\.mtaSTSFails).count
        return "verified \(reports.count) domain(s): \(count(.pass)) pass, \(count(.daneFailure)) DANE failure, \(count(.dnsProblem)) DNS problem, "
            + "\(count(.notProtected)) not protected\(sts > 0 ? ", \(sts) MTA-STS failure" : "") (exit \(status))\n"
    }
}
