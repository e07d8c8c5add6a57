import ArgumentParser
import FoundationEssentials
import Glibc

/// The `danectl` command: wires subcommands together and does nothing else.
@main
struct Danectl: ParsableCommand {
    /// A peer that closes a socket (an MX dropping a TLS handshake) or a reader that closes our
    /// standard output must give an error value, not kill the process: writes then fail with
    /// EPIPE, which the probe and `writeStandardOutput` report.
    static func main() {
        signal(SIGPIPE, SIG_IGN)
        main(nil)
    }

    static let configuration = CommandConfiguration(
        commandName: "danectl",
        abstract: "Deploy SMTP DANE (RFC 7672) for the domains that receive your mail.",
        discussion: """
            Describe your domains and MX hosts in YAML, point at the certificates, and danectl \
            writes the TLSA, MX and TLS-RPT records to publish. See README.md for the YAML format.
            """,
        version: BuildInfo.versionLine,
        subcommands: [
            GenerateCommand.self, VerifyCommand.self, PublishCommand.self, RolloverCommand.self, ReportsCommand.self,
            ServeCommand.self, KeygenCommand.self, DSCommand.self, SignCommand.self,
        ])
}
