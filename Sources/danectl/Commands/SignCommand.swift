import ArgumentParser
import DaneFeatures
import DaneModel
import FoundationEssentials

struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a whole zone file with DNSSEC, merging in the records danectl generates.",
        discussion: """
            Reads ZONEFILE, replaces the RRsets that --include provides (a danectl YAML \
            description, whose records for this zone are generated, or a zone snippet), moves the \
            SOA serial forward, drops old signatures and NSEC/NSEC3 records, and signs: the DNSKEY \
            RRset (and CDS/CDNSKEY) with the key-signing keys (flags 257), everything else with \
            the zone-signing keys (flags 256); a single key signs everything. $INCLUDE is \
            followed as BIND does (paths relative to the including file); $GENERATE is refused.

            --cds publishes CDS (SHA-256) and CDNSKEY for the key-signing keys, so a parent that \
            scans for them (RFC 7344, RFC 8078) updates its DS by itself; --cds-delete publishes \
            the delete form (CDS 0 0 0 00, CDNSKEY 0 3 0 AA==): the parent removes the DS and \
            the zone becomes insecure. Either replaces any CDS/CDNSKEY the file has. Denial of existence is NSEC, or \
            NSEC3 with RFC 9276 parameters (SHA-1, 0 extra iterations, empty salt).

            Signatures start an hour in the past (clock skew) and expire after --validity days, \
            each RRset a little earlier than the last by up to --jitter hours, so they do not all \
            expire (or need re-signing) at once. Re-sign well before the earliest expiry.

            Re-signing a signed zone keeps each existing signature that still verifies over the \
            RRset as it is now, was made by a key still given, and does not expire within \
            --refresh hours (default: a quarter of --validity); only the rest is signed anew, \
            so two signed versions differ only where the zone changed (small IXFRs, useful \
            diffs). The SOA always gets a fresh signature. --resign-all makes everything anew. \
            Each RRSIG line ends with "; danectl-seal ...", a keyed hash only the private key's \
            holder can make: it lets the next re-sign keep that signature without verifying it.

            The output replaces PATH atomically (default ZONEFILE.signed); it loads in BIND and NSD.

            \(ExitStatus.helpLines([(.success, "zone signed and written")]))
            """)

    @Argument(
        help: ArgumentHelp(
            "The zone file to sign (unsigned, or signed before: old signatures are replaced).", valueName: "ZONEFILE"),
        completion: .file())
    var zoneFile: String

    @OptionGroup var signing: SigningKeyOptions
    @OptionGroup var clock: ClockOptions

    @Flag(help: "Use NSEC3 (RFC 9276: no extra iterations, no salt) instead of NSEC.")
    var nsec3 = false

    @Flag(help: "With --nsec3: set opt-out, leaving unsigned delegations out of the chain.")
    var optOut = false

    @Option(
        help: ArgumentHelp(
            "Merge these records first: a danectl YAML description or a zone snippet.", valueName: "FILE"),
        completion: .file())
    var include: String?

    @Option(
        help: ArgumentHelp(
            "Re-signing keeps an existing signature that verifies unless it expires within this many hours (default: a quarter of --validity).",
            valueName: "HOURS"))
    var refresh: Int?

    @Flag(help: "Make every signature anew, even those that could be kept.")
    var resignAll = false

    @Flag(help: "Publish CDS and CDNSKEY for the key-signing keys (the parent picks up the new DS).")
    var cds = false

    @Flag(help: "Publish the RFC 8078 delete form of CDS/CDNSKEY: ask the parent to remove the DS.")
    var cdsDelete = false

    @Option(help: "How the SOA serial moves: increment, unixtime, date (YYYYMMDDnn) or keep.")
    var serial: SerialPolicy = .increment

    @Option(
        help: ArgumentHelp(
            "Spread expirations over this many hours before the end of validity (default: a quarter of it).",
            valueName: "HOURS"))
    var jitter: Int?

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("Where to write the signed zone; - for standard output.", valueName: "PATH"),
        completion: .file())
    var output: String?

    func validate() throws {
        if optOut && !nsec3 { throw ValidationError("--opt-out needs --nsec3") }
        if let refresh, !(0...(signing.validity * 24)).contains(refresh) {
            throw ValidationError("--refresh must be from 0 to \(signing.validity * 24) hours (the validity)")
        }
        if cds && cdsDelete { throw ValidationError("--cds and --cds-delete ask the parent opposite things; give one") }
        if let jitter, !(0...(signing.validity * 24)).contains(jitter) {
            throw ValidationError(
                "--jitter must be from 0 to \(signing.validity * 24) hours (the validity): more would make signatures that expire before they start"
            )
        }
        if signing.keys.isEmpty {
            throw ValidationError("give at least one --key (make one with: danectl keygen ZONE)")
        }
    }

    func run() throws {
        let printer = DiagnosticPrinter()
        var options = SigningOptions(
            denial: nsec3 ? .nsec3(optOut: optOut) : .nsec, now: clock.date ?? Date(), validityDays: signing.validity,
            jitterHours: jitter)
        options.childSync = cds ? .publish : cdsDelete ? .delete : .none
        options.keepSignatures = !resignAll
        options.refresh =
            refresh.map { TimeInterval($0) * 3600 } ?? SigningOptions.defaultRefresh(validityDays: signing.validity)
        var request = SignRun.Request(
            zoneFile: zoneFile, keyPaths: signing.keys, options: options, output: output ?? zoneFile + ".signed")
        (request.include, request.serial) = (include, serial)
        printer.print(try runReporting(printer) { () throws(DiagnosticError) in try SignRun.run(request) })
    }
}

extension SerialPolicy: ExpressibleByArgument {}
