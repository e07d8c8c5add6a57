import ArgumentParser
import DaneFeatures
import DaneModel
import DaneOutput
import DaneSpec
import Foundation
import LDNSKit

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write the TLSA, MX and TLS-RPT records for a YAML domain description.",
        discussion: """
            Reads FILE (paths in it are relative to FILE's folder), loads every certificate or key \
            it names, and prints the records grouped by the zone they belong in. Nothing secret is \
            ever printed: a private key is used only to derive its public key.

            Output is deterministic (same inputs, same bytes). With --output, files are replaced \
            atomically, and a failed run leaves the previous files untouched.

            EXIT STATUS
              0   records written
              1   bad input: the description, a certificate or key, or a template; or, with
                  --check-live, a set that no MX's live key matches (nothing written)
              3   the output could not be written (previous output untouched)
              64  bad command-line usage

            With --sign, each zone's RRsets get RRSIGs from that zone's keys (the zone-signing \
            keys; a lone key signs everything), valid from an hour ago for --validity days, with \
            expirations spread over the last quarter so they do not all lapse at once.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case bind, nsd, json
    }

    @Argument(help: ArgumentHelp("The YAML domain description.", valueName: "FILE"))
    var file: String

    @Option(help: "Output format: bind or nsd zone-file snippets, or json.")
    var format: Format = .bind

    @Option(name: .shortAndLong, help: ArgumentHelp(
        "Write here instead of standard output. A folder (existing, or ending in /) gets one file per zone, named <zone>.<format>.",
        valueName: "PATH"))
    var output: String?

    @Option(help: ArgumentHelp("Render with this Mustache template instead of the built-in bind/nsd one.", valueName: "FILE"))
    var template: String?

    @Option(name: .customLong("zone"), help: ArgumentHelp("Only the records that belong in this zone (repeatable).", valueName: "ZONE"))
    var zones: [String] = []

    @Flag(help: "Treat warnings as errors: exit 1 and write nothing if there is any.")
    var warningsAsErrors = false

    @Flag(help: "Add DNSSEC signatures (RRSIG) for every generated RRset, with each zone's keys.")
    var sign = false

    @Option(name: .customLong("key"), help: ArgumentHelp("With --sign: a BIND-format key K<zone>.+<alg>+<tag> (repeatable; adds to dnssec: keys: in FILE).", valueName: "KEY"))
    var keys: [String] = []

    @Option(help: ArgumentHelp("With --sign: signature validity in days.", valueName: "DAYS"))
    var validity: Int = 14

    @Option(help: ArgumentHelp("With --sign: sign as if the time were TIME (RFC 3339).", valueName: "TIME"))
    var now: String?

    @Flag(help: "Refuse to emit a TLSA set that does not match the key some MX serves right now (probes every address).")
    var checkLive = false

    @Flag(help: "With --check-live: emit even when a live key does not match.")
    var force = false

    @Option(help: ArgumentHelp("With --check-live: the validating resolver to use.", valueName: "ADDR[:PORT]"))
    var resolver: String?

    func validate() throws {
        if !sign && (!keys.isEmpty || now != nil) { throw ValidationError("--key and --now go with --sign") }
        if let now { _ = try Clock.parse(now) }
        if template != nil && format == .json {
            throw ValidationError("--template renders zone snippets; it cannot be combined with --format json")
        }
    }

    func run() throws {
        let printer = DiagnosticPrinter()
        let records: [ResourceRecord]
        var warnings: [Diagnostic] = []
        do throws(DiagnosticError) {
            let description = try DescriptionLoader.load(path: file)
            let generated = try Generator().generate(description)
            warnings = generated.warnings
            if checkLive {
                let stub: StubResolver
                do { stub = try StubResolver(address: resolver) } catch {
                    throw DiagnosticError(.error("resolver", error.description))
                }
                let problems = try LiveKeyCheck(lookup: SecureLookup(resolver: stub), timeout: 20).problems(description, now: Date())
                if !problems.isEmpty && !force { throw DiagnosticError(problems) }
                warnings += problems.map { .warning($0.code, $0.message + " (forced)", at: $0.location) }
            }
            let chosen = try filter(generated.records)
            if sign {
                let options = SigningOptions(now: (try? Clock.parse(now)) ?? Date(), validityDays: validity)
                records = try FragmentSigning.sign(chosen, keyPaths: description.signingKeys + keys, options: options)
            } else {
                records = chosen
            }
        } catch {
            printer.print(error.diagnostics)
            throw ExitStatus.badInput
        }
        printer.print(warnings)
        if warningsAsErrors && !warnings.isEmpty {
            printer.error("\(warnings.count) warning(s) and --warnings-as-errors: nothing written")
            throw ExitStatus.badInput
        }

        let renderer: ZoneSnippetRenderer?
        do {
            renderer = try makeRenderer()
        } catch {
            printer.error(error.description)
            throw ExitStatus.badInput
        }
        let source = URL(fileURLWithPath: file).lastPathComponent
        func render(_ subset: [ResourceRecord]) -> String {
            renderer?.render(subset, source: source) ?? RecordJSON.render(subset, warnings: warnings)
        }

        guard let output, output != "-" else {
            FileHandle.standardOutput.write(Data(render(records).utf8))
            return
        }
        var isFolder: ObjCBool = false
        let files: [(path: String, contents: String)]
        if output.hasSuffix("/") || (FileManager.default.fileExists(atPath: output, isDirectory: &isFolder) && isFolder.boolValue) {
            do {
                try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            } catch {
                printer.error("cannot create folder \(output): \((error as NSError).localizedDescription)")
                throw ExitStatus.cannotWrite
            }
            let byZone = Dictionary(grouping: records, by: \.zone)
            files = byZone.keys.sorted().map { zone in
                let name = String(zone.fqdn.dropLast()) + "." + format.rawValue
                return (URL(fileURLWithPath: output).appendingPathComponent(name).path, render(byZone[zone]!))
            }
        } else {
            files = [(output, render(records))]
        }
        do {
            try AtomicFiles.write(files)
        } catch {
            printer.error(error.description)
            throw ExitStatus.cannotWrite
        }
    }

    private func filter(_ records: [ResourceRecord]) throws(DiagnosticError) -> [ResourceRecord] {
        guard !zones.isEmpty else { return records }
        var wanted = Set<DNSName>()
        for text in zones {
            guard let name = try? DNSName(hostName: text) else {
                throw DiagnosticError(.error("zone.invalid", "--zone \"\(text)\" is not a valid zone name"))
            }
            guard records.contains(where: { $0.zone == name }) else {
                let known = Set(records.map(\.zone.fqdn)).sorted().joined(separator: ", ")
                throw DiagnosticError(.error("zone.unknown", "no records belong in zone \(name.fqdn); zones in this description: \(known)"))
            }
            wanted.insert(name)
        }
        return records.filter { wanted.contains($0.zone) }
    }

    private func makeRenderer() throws(CommandFailure) -> ZoneSnippetRenderer? {
        if let template {
            guard let data = FileManager.default.contents(atPath: template) else {
                throw CommandFailure("cannot read template \(template)")
            }
            do {
                return try ZoneSnippetRenderer(text: String(decoding: data, as: UTF8.self))
            } catch {
                throw CommandFailure("\(template): \(error)")
            }
        }
        switch format {
        case .json: return nil
        case .bind, .nsd:
            do { return try ZoneSnippetRenderer(builtIn: format.rawValue) } catch { throw CommandFailure(error.description) }
        }
    }
}

/// A one-line reason a command stops, printed as `error: ...`.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
