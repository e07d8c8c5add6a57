import DaneModel
import FoundationEssentials

/// `rollover check` and `rollover plan` output: text for people, JSON for tools (schema in
/// Schemas/rollover-check.schema.json and rollover-plan.schema.json), and the Nagios line.
public enum RolloverRendering {
    struct CheckDocument: Encodable {
        let schemaVersion = JSONDocument.schemaVersion
        let safe: Bool
        let state: String
        let exitStatus: Int32
        let hosts: [Host]

        enum CodingKeys: String, CodingKey {
            case schemaVersion = "schema_version", safe, state, exitStatus = "exit_status", hosts
        }
    }

    struct Host: Encodable {
        let host: String
        let state: String
        let codes: [String]
        let reasons: [String]
        let earliestSafe: Date?
        let nextRecords: [String]
        let publishedEverywhere: Bool

        enum CodingKeys: String, CodingKey {
            case host, state, codes, reasons, earliestSafe = "earliest_safe", nextRecords = "next_records",
                publishedEverywhere = "published_everywhere"
        }
    }

    public static func checkJSON(
        _ results: [RolloverHostResult], worst: RolloverHostResult.State, exitStatus: Int32
    ) -> String {
        JSONDocument.encode(
            CheckDocument(
                safe: worst == .safe, state: worst.rawValue, exitStatus: exitStatus,
                hosts: results.map {
                    Host(
                        host: $0.host, state: $0.state.rawValue, codes: $0.codes, reasons: $0.reasons,
                        earliestSafe: $0.earliestSafe,
                        nextRecords: $0.nextRecords, publishedEverywhere: $0.publishedEverywhere)
                }))
    }

    /// How `rollover check` prints: for people, for tools, or as a Nagios plugin.
    public enum CheckStyle: Sendable {
        case text, json
        case nagios(now: Date)

        /// The style the flags ask for: Nagios when it has a time, else JSON or text.
        public init(json: Bool, nagiosAt now: Date?) { self = now.map { .nagios(now: $0) } ?? (json ? .json : .text) }
    }

    /// `rollover check`'s output in the chosen style, and the process exit status that goes
    /// with it (the README's vocabulary, or Nagios's 0-3).
    public static func check(
        _ results: [RolloverHostResult], worst: RolloverHostResult.State, as style: CheckStyle
    ) -> (text: String, exitStatus: Int32) {
        let status = worst.exitStatus.rawValue
        switch style {
        case .text: return (checkText(results), status)
        case .json: return (checkJSON(results, worst: worst, exitStatus: status), status)
        case .nagios(let now): return (nagios(results, worst: worst, now: now), nagiosStatus(worst))
        }
    }

    public static func checkText(_ results: [RolloverHostResult]) -> String {
        return results.map { result in
            let when =
                result.earliestSafe.map {
                    "  (\(result.state == .safe ? "from" : "earliest safe"): \(RFC3339.string($0)))"
                } ?? ""
            return "\(result.host)  \(result.state.rawValue.uppercased())\(when)\n"
                + result.reasons.map { "  \($0)\n" }.joined()
        }.joined()
    }

    /// Nagios plugin status for a state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    public static func nagiosStatus(_ worst: RolloverHostResult.State) -> Int32 {
        switch worst {
        case .safe: 0
        case .wait: 1
        case .unsafe, .refused, .dnsProblem: 2
        case .unavailable: 3
        }
    }

    /// One status line with perfdata: seconds until safe, and hosts published of hosts checked.
    public static func nagios(_ results: [RolloverHostResult], worst: RolloverHostResult.State, now: Date) -> String {
        let label = ["OK", "WARNING", "CRITICAL", "UNKNOWN"][Int(nagiosStatus(worst))]
        let summary = results.map { "\($0.host) \($0.state.rawValue): \($0.reasons.first ?? "")" }.joined(
            separator: "; ")
        let until =
            results.compactMap { $0.state == .wait ? $0.earliestSafe : nil }.max()
            .map { max(0, Int($0.timeIntervalSince(now).rounded(.up))) } ?? 0
        let published = results.filter(\.publishedEverywhere).count
        return "DANE ROLLOVER \(label) - \(summary.isEmpty ? "no host checked" : summary)"
            + " | seconds_until_safe=\(until)s;;;0 hosts_published=\(published);;;0;\(results.count)\n"
    }

    struct PlanDocument: Encodable {
        let schemaVersion = JSONDocument.schemaVersion
        let steps: [Step]
        enum CodingKeys: String, CodingKey { case schemaVersion = "schema_version", steps }
    }

    struct Step: Encodable {
        let host: String
        let action: String
        let earliest: Date
        let waitSeconds: Int
        let detail: String
        enum CodingKeys: String, CodingKey { case host, action, earliest, waitSeconds = "wait_seconds", detail }
    }

    public static func planJSON(_ steps: [RolloverStep]) -> String {
        JSONDocument.encode(
            PlanDocument(
                steps: steps.map {
                    Step(
                        host: $0.host, action: $0.action.rawValue, earliest: $0.earliest, waitSeconds: $0.waitSeconds,
                        detail: $0.detail)
                }))
    }

    public static func planText(_ steps: [RolloverStep]) -> String {
        return steps.enumerated().map { index, step in
            "\(index + 1). \(step.host) \(step.action.rawValue) not before \(RFC3339.string(step.earliest))"
                + (step.waitSeconds > 0 ? " (wait \(step.waitSeconds) s)" : "") + "\n   \(step.detail)\n"
        }.joined()
    }
}
