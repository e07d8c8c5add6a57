import ArgumentParser
import DaneFeatures
import DaneModel
import DaneOutput
import DaneSpec
import Foundation

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

            \(ExitStatus.helpLines([(.success, "records written"),
                                    (.verdictFailure, "with --check-live: an MX address serves a key the set does not match, or could not be checked (nothing written)")]))

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
        var warnings: [Diagnostic] = []
        var liveProblems: [Diagnostic] = []
        let records = try runReporting(printer) { () throws(DiagnosticError) -> [ResourceRecord] in
            let description = try DescriptionLoader.load(path: file)
            let generated = try Generator().generate(description)
            warnings = generated.warnings
            if checkLive {
                let lookup = try SecureLookup(resolver: resolver)
                guard lookup.resolverAnswers() else {
                    throw DiagnosticError(.error("resolver-unreachable", "the resolver \(resolver ?? "from /etc/resolv.conf") does not answer; check --resolver"))
                }
                liveProblems = try LiveKeyCheck(lookup: lookup, probe: STARTTLSKeyProbe(timeout: 20)).problems(description)
            }
            let chosen = try filter(generated.records)
            guard sign else { return chosen }
            let options = SigningOptions(now: (try? Clock.parse(now)) ?? Date(), validityDays: validity)
            return try FragmentSigning.sign(chosen, keyPaths: description.signingKeys + keys, options: options)
        }
        if !liveProblems.isEmpty && !force {
            printer.print(liveProblems)
            throw ExitStatus.verdictFailure.exit
        }
        warnings += liveProblems.map { Diagnostic.warning($0.code, $0.message + " (forced)", at: $0.location) }
        printer.print(warnings)
        if warningsAsErrors && !warnings.isEmpty {
            printer.print(.error("warnings-as-errors", "\(warnings.count) warning(s) and --warnings-as-errors: nothing written"))
            throw ExitStatus.badData.exit
        }

        let renderer: ZoneSnippetRenderer?
        do {
            renderer = try makeRenderer()
        } catch {
            printer.print(.error("template-invalid", error.description))
            throw ExitStatus.badData.exit
        }
        let source = URL(fileURLWithPath: file).lastPathComponent
        func render(_ subset: [ResourceRecord]) -> String {
            renderer?.render(subset, source: source) ?? RecordJSON.render(subset, warnings: warnings)
        }

        guard let output, output != "-" else {
            try writeStandardOutput(render(records), printer)
            return
        }
        var isFolder: ObjCBool = false
        let files: [(path: String, contents: String)]
        if output.hasSuffix("/") || (FileManager.default.fileExists(atPath: output, isDirectory: &isFolder) && isFolder.boolValue) {
            do {
                try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            } catch {
                printer.print(.error("output-folder", "cannot create folder \(output): \((error as NSError).localizedDescription)"))
                throw ExitStatus.cannotCreate.exit
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
            printer.print(.error("output-write", error.description))
            throw ExitStatus.cannotCreate.exit
        }
    }

    private func filter(_ records: [ResourceRecord]) throws(DiagnosticError) -> [ResourceRecord] {
        guard !zones.isEmpty else { return records }
        var wanted = Set<DNSName>()
        for text in zones {
            guard let name = try? DNSName(hostName: text) else {
                throw DiagnosticError(.error("usage-zone-invalid", "--zone \"\(text)\" is not a valid zone name"))
            }
            guard records.contains(where: { $0.zone == name }) else {
                let known = Set(records.map(\.zone.fqdn)).sorted().joined(separator: ", ")
                throw DiagnosticError(.error("usage-zone-unknown", "no records belong in zone \(name.fqdn); zones in this description: \(known)"))
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
