import DaneModel

/// The words for a domain's outcome, the same in every text output.
enum VerifyWords {
    static func outcome(_ outcome: DomainReport.Outcome) -> String {
        switch outcome {
        case .pass: "pass"
        case .warning: "warning"
        case .notProtected: "not protected"
        case .nullMX: "null MX"
        case .mtaSTSFailure: "MTA-STS failure"
        case .daneFailure: "DANE failure"
        case .dnsProblem: "DNS problem"
        }
    }
}
