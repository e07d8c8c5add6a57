import FoundationEssentials
import PlainText

/// An MTA-STS policy (RFC 8461 §3.2): what senders that do not do DANE (and some that do)
/// fetch from `https://mta-sts.<domain>/.well-known/mta-sts.txt` to learn that the domain's
/// MX hosts must be reached over TLS with WebPKI-valid certificates for their names.
public struct MTASTSPolicy: Sendable, Hashable {
    public enum Mode: String, Sendable, CaseIterable {
        case enforce, testing, none
    }

    public var mode: Mode
    /// Seconds senders may cache the policy; RFC 8461 §3.2 allows at most 31,557,600 (a year).
    public var maxAge: UInt32
    /// MX patterns: host names, or `*.` plus a name (matching exactly one more label).
    public var mx: [String]

    public static let maxAgeLimit: UInt32 = 31_557_600

    public init(mode: Mode, maxAge: UInt32, mx: [String]) {
        self.mode = mode
        self.maxAge = maxAge
        self.mx = mx
    }

    /// The policy file's text: CRLF line ends (RFC 8461 §3.2), fields in the RFC's order.
    public var text: String {
        (["version: STSv1", "mode: \(mode.rawValue)"] + mx.map { "mx: \($0)" } + ["max_age: \(maxAge)"])
            .map { $0 + "\r\n" }.joined()
    }

    /// True when `host` (a name, with or without the final dot) matches one of the mx patterns.
    public func covers(_ host: String) -> Bool { mx.contains { Self.pattern($0, matches: host) } }

    /// RFC 8461 §4.1: a pattern matches the name itself, or `*.rest` matches exactly one label
    /// before `rest`. Case-insensitive.
    public static func pattern(_ pattern: String, matches host: String) -> Bool {
        let name = host.lowercased().hasSuffix(".") ? String(host.lowercased().dropLast()) : host.lowercased()
        let wanted =
            pattern.lowercased().hasSuffix(".") ? String(pattern.lowercased().dropLast()) : pattern.lowercased()
        guard wanted.hasPrefix("*.") else { return name == wanted }
        let rest = wanted.dropFirst(2)
        guard name.hasSuffix("." + rest) else { return false }
        let first = name.dropLast(rest.count + 1)
        return !first.isEmpty && !first.contains(".")
    }

    /// Why a policy file cannot be used as it is (sts-policy-invalid).
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Reads a served policy by RFC 8461 §3.2's rules: `key: value` lines (CRLF; a bare LF is
    /// accepted as senders do), version first and STSv1, mode, max_age, at least one mx unless
    /// mode is none; unknown keys ignored. The first problem is thrown with its line.
    public static func parse(_ text: String) throws(Invalid) -> MTASTSPolicy {
        var fields: [(key: String, value: String, line: Int)] = []
        // By scalars: in Swift strings CR LF is one Character and would not split on "\n".
        for (index, scalars) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated()
        {
            let raw = String(String.UnicodeScalarView(scalars))
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : raw
            if line.trimmed().isEmpty { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw Invalid(description: "line \(index + 1) is not \"key: value\"")
            }
            fields.append(
                (
                    String(line[..<colon]).trimmed(),
                    String(line[line.index(after: colon)...]).trimmed(), index + 1
                ))
        }
        guard let version = fields.first, version.key == "version" else {
            throw Invalid(description: "the first field must be \"version: STSv1\"")
        }
        // Only mx may repeat (RFC 8461 §3.2): a second mode or max_age has no meaning senders agree on.
        for key in ["version", "mode", "max_age"] {
            let lines = fields.filter { $0.key == key }.map(\.line)
            if lines.count > 1 {
                throw Invalid(
                    description:
                        "\"\(key):\" appears \(lines.count) times (lines \(lines.map(String.init).joined(separator: ", "))); give it once"
                )
            }
        }
        guard version.value == "STSv1" else {
            throw Invalid(description: "version is \"\(version.value)\", not STSv1 (line \(version.line))")
        }
        guard let modeField = fields.first(where: { $0.key == "mode" }) else {
            throw Invalid(description: "no \"mode:\" line")
        }
        guard let mode = Mode(rawValue: modeField.value) else {
            throw Invalid(
                description: "mode \"\(modeField.value)\" is not enforce, testing or none (line \(modeField.line))")
        }
        guard let ageField = fields.first(where: { $0.key == "max_age" }) else {
            throw Invalid(description: "no \"max_age:\" line")
        }
        guard ageField.value.count <= 10, ageField.value.allSatisfy(\.isNumber), let age = UInt32(ageField.value),
            age <= maxAgeLimit
        else {
            throw Invalid(
                description:
                    "max_age \"\(ageField.value)\" is not a number of seconds from 0 to \(maxAgeLimit) (line \(ageField.line))"
            )
        }
        let patterns = fields.filter { $0.key == "mx" }
        for field in patterns where !validPattern(field.value) {
            throw Invalid(
                description: "mx \"\(field.value)\" is not a host name or *.name pattern (line \(field.line))")
        }
        guard mode == .none || !patterns.isEmpty else {
            throw Invalid(description: "mode \(mode.rawValue) needs at least one \"mx:\" line")
        }
        return MTASTSPolicy(mode: mode, maxAge: age, mx: patterns.map(\.value))
    }

    /// A host name, or `*.` followed by one (no other wildcards).
    public static func validPattern(_ text: String) -> Bool {
        let name = text.hasPrefix("*.") ? String(text.dropFirst(2)) : text
        return (try? DNSName(hostName: name)) != nil && !name.contains("*") && name.contains(".")
    }
}

/// The `_mta-sts.<domain>` TXT record (RFC 8461 §3.1): `v=STSv1; id=<1-32 letters/digits>;`.
public struct MTASTSRecord: Sendable, Hashable {
    public let id: String

    public init(id: String) { self.id = id }

    public static func ownerName(domain: DNSName) -> DNSName { DNSName(labels: ["_mta-sts"] + domain.labels) }

    public var recordText: String { "v=STSv1; id=\(id)" }

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Parses one TXT value (its strings already joined).
    public static func parse(_ text: String) throws(Invalid) -> MTASTSRecord {
        let fields = text.split(separator: ";").map { $0.trimmed() }.filter { !$0.isEmpty }
        guard fields.first == "v=STSv1" else { throw Invalid(description: "\"\(text)\" does not start with v=STSv1") }
        guard let idField = fields.first(where: { $0.hasPrefix("id=") }) else {
            throw Invalid(description: "\"\(text)\" has no id=")
        }
        let id = String(idField.dropFirst(3))
        guard (1...32).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw Invalid(description: "id \"\(id)\" must be 1 to 32 letters and digits")
        }
        return MTASTSRecord(id: id)
    }
}

/// How the served MTA-STS record and policy compare with what a description makes. Senders
/// refetch the policy only when the id changes, so a changed policy under an old id is the
/// dangerous case: they keep the old policy for up to its max_age.
public enum MTASTSComparison: Sendable, Equatable {
    case same
    /// The policy is the described one, under another id: harmless, but not what generate makes.
    case idDiffers(live: String, described: String)
    /// The policy changed, the id did not: cached copies of the old policy stay in force.
    case policyChangedUnderSameID(id: String)
    /// Both differ from the description.
    case drift

    public static func compare(
        liveText: String, liveID: String, describedText: String, describedID: String
    ) -> MTASTSComparison {
        switch (liveText == describedText, liveID == describedID) {
        case (true, true): .same
        case (true, false): .idDiffers(live: liveID, described: describedID)
        case (false, true): .policyChangedUnderSameID(id: liveID)
        case (false, false): .drift
        }
    }
}
