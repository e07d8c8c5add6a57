import ArgumentParser

/// The `danectl` command: wires subcommands together and does nothing else.
@main
struct Danectl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "danectl",
        abstract: "Deploy SMTP DANE (RFC 7672) for the domains that receive your mail.",
        discussion: """
            Describe your domains and MX hosts in YAML, point at the certificates, and danectl \
            writes the TLSA, MX and TLS-RPT records to publish. See README.md for the YAML format.
            """,
        version: "0.1.0",
        subcommands: [GenerateCommand.self, VerifyCommand.self, RolloverCommand.self, KeygenCommand.self, DSCommand.self, SignCommand.self])
}
