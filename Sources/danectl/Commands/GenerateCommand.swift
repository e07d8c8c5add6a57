import ArgumentParser
import DaneFeatures
import DaneModel
import DaneOutput
import FileKit
import FoundationEssentials
import Glibc

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write the TLSA, MX, TLS-RPT and MTA-STS records for a YAML domain description.",
        discussion: """
            Reads FILE (paths in it are relative to FILE's folder), loads every certificate or key \
            it names, and prints the records grouped by the zone they belong in. Nothing secret is \
            ever printed: a private key is used only to derive its public key.

            With mta_sts: in the description, also the _mta-sts TXT record, whose id is a digest of \
            the policy text (it changes exactly when the policy does); with --output DIR/, each \
            policy file too, at DIR/mta-sts.<domain>/.well-known/mta-sts.txt (CRLF line ends), \
            ready to serve over HTTPS at https://mta-sts.<domain>/.well-known/mta-sts.txt.

            Output is deterministic (same inputs, same bytes). With --output, files are replaced \
            atomically, and a failed run leaves the previous files untouched.

            \(ExitStatus.helpLines([(.success, "records written"),
                                    (.verdictFailure, "with --check-live: an MX address serves a key the set does not match, or could not be checked (nothing written)")]))

            With --sign, each zone's RRsets get RRSIGs from that zone's keys (the zone-signing \
            keys; a lone key signs everything), valid from an hour ago for --validity days, with \
            expirations spread over the last quarter so they do not all lapse at once.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case bind, nsd, json, octodns, nsupdate

        /// The file extension with --output DIR/ (octoDNS's YamlProvider reads <zone>.yaml).
        var fileExtension: String { self == .octodns ? "yaml" : rawValue }
    }

    @Argument(help: ArgumentHelp("The YAML domain description.", valueName: "FILE"), completion: .file())
    var file: String

    @Option(
        help:
            "Output format: bind or nsd zone-file snippets, json, octodns (YamlProvider zone files) or nsupdate (a script)."
    )
    var format: Format = .bind

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp(
            "Write here instead of standard output. A folder (existing, or ending in /) gets one file per zone, named <zone>.<format>.",
            valueName: "PATH"), completion: .file())
    var output: String?

    @Flag(
        help:
            "With --output DIR/: remove the files an earlier run of this same description (by its real path) wrote that it no longer makes."
    )
    var prune = false

    @Option(
        help: ArgumentHelp(
            "Trusted CA certificates (PEM) for the WebPKI check of MTA-STS mode enforce, instead of the system's.",
            valueName: "FILE"), completion: .file())
    var caFile: String?

    @Option(
        help: ArgumentHelp(
            "Render with this Mustache template instead of the built-in bind/nsd one.", valueName: "FILE"),
        completion: .file())
    var template: String?

    @Option(
        name: .customLong("zone"),
        help: ArgumentHelp("Only the records that belong in this zone (repeatable).", valueName: "ZONE"))
    var zones: [String] = []

    @Flag(help: "Treat warnings as errors: exit 1 and write nothing if there is any.")
    var warningsAsErrors = false

    @Flag(help: "Add DNSSEC signatures (RRSIG) for every generated RRset, with each zone's keys.")
    var sign = false

    @OptionGroup(title: "Signing (with --sign)") var signing: SigningKeyOptions
    @OptionGroup var clock: ClockOptions
    @OptionGroup(title: "DNS checks (with --check or --check-live)") var dns: ResolverOptions

    @Flag(
        help: "Refuse to emit a TLSA set that does not match the key some MX serves right now (probes every address).")
    var checkLive = false

    @Flag(help: "With --check-live: emit even when a live key does not match.")
    var force = false

    @Flag(
        help: ArgumentHelp(
            "Pre-flight through the validating resolver: warn about an MX host with no address, and TLSA for a zone "
                + "that is unsigned or has no DS at its parent (senders would ignore it). With --warnings-as-errors, a gate."
        ))
    var check = false

    func validate() throws {
        if !sign && (!signing.keys.isEmpty || clock.now != nil) {
            throw ValidationError("--key and --now go with --sign")
        }
        if template != nil && ![.bind, .nsd].contains(format) {
            throw ValidationError(
                "--template renders zone snippets; it cannot be combined with --format \(format.rawValue)")
        }
        if sign && [.octodns, .nsupdate].contains(format) {
            throw ValidationError(
                "--sign adds RRSIGs for zone files; with --format \(format.rawValue) the provider or primary signs the zone itself"
            )
        }
        if prune && !(output.map { $0.hasSuffix("/") || RegularFiles.isDirectory($0) } ?? false) {
            throw ValidationError("--prune needs --output DIR/ (a folder of per-zone files)")
        }
    }

    func run() throws {
        let printer = DiagnosticPrinter()
        try requireReadableCAFile(caFile, printer)
        let outcome = try runReporting(printer) { () throws(DiagnosticError) in
            try GenerateRun.run(request, world: .live)
        }
        let renderer = try renderer(warnings: try acceptedWarnings(outcome, printer), printer)
        printer.print(GenerateDelivery.policyNotes(outcome, output: output))
        guard let output, output != "-" else {
            let render = renderer()
            return try streamStandardOutput({ render(outcome.records, $0) }, printer)
        }
        var target = GenerateDelivery.Target(output: output, fileExtension: format.fileExtension, description: file)
        target.extraInputs = template.map { [$0] } ?? []
        target.prune = prune
        target.onlyOneZonePerFile = format == .octodns
        printer.print(
            try runReporting(printer) { () throws(DiagnosticError) in
                try GenerateDelivery.write(outcome, to: target, renderer: renderer)
            })
    }

    private var request: GenerateRequest {
        var request = GenerateRequest(file: file)
        (request.zones, request.sign, request.keys, request.validityDays) = (
            zones, sign, signing.keys, signing.validity
        )
        (request.now, request.checkLive, request.resolver, request.timeout) = (
            clock.date, checkLive, dns.resolver, dns.timeout
        )
        request.caFile = caFile
        request.check = check
        return request
    }

    /// The warnings to print, after the two gates: a live key the set does not match (exit 1
    /// unless --force) and --warnings-as-errors (65, nothing written).
    private func acceptedWarnings(_ outcome: GenerateOutcome, _ printer: DiagnosticPrinter) throws -> [Diagnostic] {
        if !outcome.liveProblems.isEmpty && !force {
            printer.print(outcome.liveProblems)
            throw ExitStatus.verdictFailure.exit
        }
        let warnings =
            outcome.warnings
            + outcome.liveProblems.map { Diagnostic.warning($0.code, $0.message + " (forced)", at: $0.location) }
        printer.print(warnings)
        if warningsAsErrors && !warnings.isEmpty {
            printer.print(
                .error(
                    .badData("warnings-as-errors"),
                    "\(warnings.count) warning(s) and --warnings-as-errors: nothing written"))
            throw ExitStatus.badData.exit
        }
        return warnings
    }

    /// Makes a renderer of records to text in the chosen format (one call per output file), one
    /// per thread: octoDNS's keeps a cache of YAML scalars that is not shared between threads.
    /// Zone snippets and JSON go to the sink a piece at a time.
    private func renderer(
        warnings: [Diagnostic], _ printer: DiagnosticPrinter
    ) throws -> () -> ([ResourceRecord], TextSink) -> Bool {
        let snippets = try runReporting(printer) { () throws(DiagnosticError) in try makeRenderer() }
        let (format, template, source) = (format, template, URL(fileURLWithPath: file).lastPathComponent)
        return { Self.render(format, template: template, source: source, warnings: warnings, snippets: snippets) }
    }

    private static func render(
        _ format: Format, template: String?, source: String, warnings: [Diagnostic],
        snippets: ZoneSnippetRenderer?
    ) -> ([ResourceRecord], TextSink) -> Bool {
        let scalars = OctoDNSZone.Scalars()
        return { subset, sink in
            switch format {
            case .octodns: sink(OctoDNSZone.render(subset, source: source, scalars: scalars))
            case .nsupdate: sink(NSUpdateScript.render(subset, source: source))
            case .json where template == nil: RecordJSON.render(subset, warnings: warnings, source: source, to: sink)
            default: snippets?.render(subset, source: source, to: sink) ?? sink("")
            }
        }
    }

    private func makeRenderer() throws(DiagnosticError) -> ZoneSnippetRenderer? {
        if let template {
            guard let data = FileManager.default.contents(atPath: template) else {
                throw DiagnosticError(
                    .error(.noInput("template-unreadable"), "cannot read the template", at: .init(file: template)))
            }
            do { return try ZoneSnippetRenderer(text: String(decoding: data, as: UTF8.self)) } catch {
                throw DiagnosticError(.error(.badData("template-invalid"), "\(template): \(error)"))
            }
        }
        guard format == .bind || format == .nsd else { return nil }
        do { return try ZoneSnippetRenderer(builtIn: format.rawValue) } catch {
            throw DiagnosticError(.error(.badData("template-invalid"), error.description))
        }
    }
}
