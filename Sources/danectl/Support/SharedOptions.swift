import ArgumentParser
import DaneModel
import FoundationEssentials

/// Where DNS answers come from, declared once for every command that asks the live DNS.
struct ResolverOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Validating resolver to ask (default: the system's, from /etc/resolv.conf).", valueName: "ADDR[:PORT]"))
    var resolver: String?

    @Option(
        help: ArgumentHelp(
            "Seconds allowed for each probe (connect, SMTP and TLS together), 0.1 to 600.", valueName: "SECONDS"))
    var timeout: Double = 20

    func validate() throws { try requireRange(timeout, 0.1...600, "--timeout") }
}

/// A rehearsal time, declared once: `--now` computes as if it were that time.
struct ClockOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp("Compute as if the time were TIME (RFC 3339, e.g. 2026-12-01T00:00:00Z).", valueName: "TIME")
    )
    var now: String?

    func validate() throws { if let now { _ = try Clock.parse(now) } }

    /// The rehearsal time, nil for the real clock.
    var date: Date? { now.flatMap { try? Clock.parse($0) } }
}

/// DNSSEC keys and signature validity, declared once for `sign` and `generate --sign`.
struct SigningKeyOptions: ParsableArguments {
    @Option(
        name: .customLong("key"),
        help: ArgumentHelp("A BIND-format key K<zone>.+<alg>+<tag> (repeatable: KSK and ZSK).", valueName: "KEY"),
        completion: .file())
    var keys: [String] = []

    @Option(help: ArgumentHelp("Signature validity in days, 1 to 3650.", valueName: "DAYS"))
    var validity: Int = 14

    func validate() throws {
        guard (1...3650).contains(validity) else {
            throw ValidationError("--validity must be from 1 to 3650 days (RRSIG times run out in 2106)")
        }
    }
}

enum OutputChoice: String, ExpressibleByArgument, CaseIterable { case text, json }

extension DNSSECAlgorithm: ExpressibleByArgument {
    public init?(argument: String) { self.init(text: argument) }
    public static var allValueStrings: [String] { allCases.map(\.mnemonic) }
}

/// The time commands act at: now, or what --now says (for tests and rehearsals).
enum Clock {
    static func parse(_ text: String?) throws -> Date {
        guard let text else { return Date() }
        guard let date = RFC3339.date(text) else {
            throw ValidationError("--now \"\(text)\" is not an RFC 3339 time such as 2026-11-29T04:00:00Z")
        }
        // DNSSEC times are 32-bit seconds since 1970 (RFC 4034 §3.1.5), and SOA date serials
        // are YYYYMMDDnn in 32 bits: keep rehearsals where both still mean something.
        guard (1970...2099).contains(RFC3339.civilDay(date).year) else {
            throw ValidationError(
                "--now \"\(text)\" is outside 1970-2099, where DNSSEC signature times and date serials work")
        }
        return date
    }
}
