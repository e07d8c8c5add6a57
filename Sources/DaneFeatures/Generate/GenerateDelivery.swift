import DaneModel
import FileKit
import FoundationEssentials
import Glibc
import WorkSharing

/// The write half of `generate --output PATH`: which files the records and MTA-STS policies
/// go to, the refusal to overwrite an input however its path is spelled, the all-or-nothing
/// write that leaves unchanged files alone, and `--prune` after everything new is in place.
/// Rendering is the caller's (a closure per file), so this holds no format knowledge beyond
/// the file extension.
public enum GenerateDelivery {
    public struct Target: Sendable {
        /// A file, or a folder (existing, or ending in `/`) for one file per zone.
        public var output: String
        public var fileExtension: String
        /// The description, by the path the user gave: whose earlier outputs `--prune` may remove.
        public var description: String
        /// Files read besides the outcome's inputs (a `--template`).
        public var extraInputs: [String] = []
        public var prune = false
        /// octoDNS's YamlProvider reads one file per zone, named after it: several zones need a folder.
        public var onlyOneZonePerFile = false

        public init(output: String, fileExtension: String, description: String) {
            self.output = output
            self.fileExtension = fileExtension
            self.description = description
        }
    }

    /// The notes for MTA-STS policies: where each must be served from (the address record and
    /// certificate name senders need, RFC 8461 §3.3), and that the files are written only with
    /// a folder output.
    public static func policyNotes(_ outcome: GenerateOutcome, output: String?) -> [Diagnostic] {
        let hosts = outcome.mtaSTSPolicies.map(\.webHost)
        let serving = hosts.map { host in
            Diagnostic(
                .note, code: "mta-sts-web-host",
                "senders fetch https://\(host)/.well-known/mta-sts.txt: \(host) needs an A/AAAA record at your web "
                    + "server (or the TLS proxy in front of `danectl serve --description`) and a WebPKI certificate "
                    + "for \(host)")
        }
        guard policiesNeedFolder(outcome, output: output) else { return serving }
        return serving + [
            Diagnostic(
                .note, code: "mta-sts-policy-not-written",
                "the MTA-STS policy files (\(hosts.joined(separator: ", "))) are written only with --output DIR/")
        ]
    }

    /// Writes the files; returns notes of what was written, left unchanged and pruned, and a
    /// warning per file `--prune` had to keep. Throws with nothing changed on disk when a file
    /// cannot be written or the plan is wrong (an output that is an input).
    /// `renderer` makes one renderer per thread (see `OutputLayout.eachZoneFile`).
    public static func write(
        _ outcome: GenerateOutcome, to target: Target,
        renderer: () -> ([ResourceRecord], TextSink) -> Bool
    ) throws(DiagnosticError) -> [Diagnostic] {
        let folder = OutputLayout.isFolder(target.output)
        let zones = OutputLayout.zoneRuns(outcome.records)
        let zoneCount = zones.count
        if target.onlyOneZonePerFile, !folder, zoneCount > 1 {
            throw DiagnosticError(
                .error(
                    .usage("usage-octodns-one-file"),
                    "--format octodns writes one file per zone (YamlProvider reads <zone>.yaml); "
                        + "\(zoneCount) zones need --output DIR/ (or --zone ZONE)"))
        }
        // Inputs are never outputs, however the path is spelled (./, .., links): the set refuses
        // them by file identity. Each input is looked at once (a provider reads 100 certificates).
        let inputs = Set((outcome.inputs + target.extraInputs).compactMap(AtomicFiles.Identity.init(of:)))
        // Each file is compared with what is on disk and staged as it is rendered, then dropped:
        // the set is renamed into place only after every file was rendered and staged.
        let fileCount = folder ? zoneCount + outcome.mtaSTSPolicies.count : 1
        let set = AtomicFiles.ChangedSet(expectedCount: fileCount, protecting: inputs)
        var digests: [(path: String, digest: OutputClaims.Digest?)] = []
        digests.reserveCapacity(fileCount)
        var claims: Result<OutputClaims.Update, OutputClaims.Failure>?
        do throws(DiagnosticError) {
            if folder {
                try stageZoneFiles(zones, outcome, target, renderer: renderer, in: set, digests: &digests)
            } else {
                // One file with every record: written to its staged file as it is rendered.
                let render = renderer()
                do {
                    try set.add(target.output) { fd in Descriptors.write({ render(outcome.records, $0) }, to: fd) }
                } catch {
                    throw deliveryError(error)
                }
                digests.append((target.output, nil))
            }
            claims = try commit(
                set, claiming: folder ? OutputClaims(folder: target.output, description: target.description) : nil,
                written: digests)
        } catch {
            set.discard()
            throw error
        }
        // Unchanged files keep their inode and mtime; the notes say what changed.
        let notes = fileNotes(digests.map(\.path), written: Set(set.changed), output: target.output)
        guard let claims else { return notes }
        do { return notes + (try claim(claims, outcome, target)) } catch {
            throw DiagnosticError(notes + error.diagnostics)  // what was written is still said
        }
    }

    /// A folder's files: a zone's file is compared, staged and digested (for the claims) on
    /// every core as it is rendered, then joins the set in zone order; the MTA-STS policies after.
    private static func stageZoneFiles(
        _ zones: [(zone: DNSName, records: ArraySlice<ResourceRecord>)], _ outcome: GenerateOutcome,
        _ target: Target, renderer: () -> ([ResourceRecord], TextSink) -> Bool, in set: AtomicFiles.ChangedSet,
        digests: inout [(path: String, digest: OutputClaims.Digest?)]
    ) throws(DiagnosticError) {
        try OutputLayout.eachZoneFile(
            zones, in: target.output, extension: target.fileExtension, renderer: renderer
        ) { path, text in
            prepare(path, text, in: set)
        } consume: { path, prepared throws(DiagnosticError) in
            digests.append((path, try include(prepared, in: set)))
        } discard: {
            if case .success(let (file, _)) = $0 { AtomicFiles.ChangedSet.discard(file) }
        }
        if !policiesNeedFolder(outcome, output: target.output) {
            for (path, text) in try policyFiles(outcome, target) {
                digests.append((path, try include(prepare(path, text, in: set), in: set)))
            }
        }
    }

    /// Puts the set in place while, for a folder, its claims are recorded and staged beside it
    /// (a provider's 100,000 claims take as long to encode as its files to rename); the claims
    /// are abandoned, unchanged, when the set could not be put in place. Nil without claims.
    private static func commit(
        _ set: AtomicFiles.ChangedSet, claiming claims: OutputClaims?,
        written: [(path: String, digest: OutputClaims.Digest?)]
    ) throws(DiagnosticError) -> Result<OutputClaims.Update, OutputClaims.Failure>? {
        let (committed, update) = BothAtOnce.run(
            { () -> Result<Void, AtomicFiles.Failure> in
                do throws(AtomicFiles.Failure) { return .success(try set.commit()) } catch { return .failure(error) }
            },
            { () -> Result<OutputClaims.Update, OutputClaims.Failure>? in
                guard let claims else { return nil }
                do throws(OutputClaims.Failure) { return .success(try claims.begin(written: written)) } catch {
                    return .failure(error)
                }
            })
        if case .failure(let error) = committed {
            if case .success(let update) = update { update.abandon() }
            throw DiagnosticError(.error(.cannotCreate("output-write"), error.description))
        }
        return update
    }

    /// A file of a folder output compared, staged and digested, or why it could not be.
    typealias PreparedFile = Result<(AtomicFiles.ChangedSet.Prepared, OutputClaims.Digest), AtomicFiles.Failure>

    /// Safe on several threads at once: the set's `prepare` and a digest.
    private static func prepare(_ path: String, _ text: String, in set: AtomicFiles.ChangedSet) -> PreparedFile {
        do throws(AtomicFiles.Failure) {
            return .success((try set.prepare(path, text), OutputClaims.Digest(of: Array(text.utf8))))
        } catch {
            return .failure(error)
        }
    }

    /// Puts a prepared file in the set and returns its digest; throws what stopped it.
    private static func include(
        _ prepared: PreparedFile, in set: AtomicFiles.ChangedSet
    ) throws(DiagnosticError) -> OutputClaims.Digest {
        switch prepared {
        case .success(let (file, digest)):
            set.include(file)
            return digest
        case .failure(let failure): throw deliveryError(failure)
        }
    }

    /// What a failed write tells the operator: an input as output is a usage error (choose
    /// another --output); anything else, that the file could not be created.
    private static func deliveryError(_ failure: AtomicFiles.Failure) -> DiagnosticError {
        guard failure.isProtected else {
            return DiagnosticError(.error(.cannotCreate("output-write"), failure.description))
        }
        return DiagnosticError(
            .error(
                .usage("usage-output-is-input"),
                "\(failure.path) is an input of this run; refusing to overwrite it (choose another --output)"))
    }

    /// More files of a kind than this are summed up in one note, not named one by one (a
    /// provider's 100,000 zone files would otherwise print 100,000 lines).
    static let filesNamedAtMost = 20

    /// A note per file written and per file left unchanged; where either kind is more than
    /// `filesNamedAtMost`, one note counts them instead.
    static func fileNotes(_ paths: [String], written: Set<String>, output: String) -> [Diagnostic] {
        let (changed, unchanged) = (paths.filter(written.contains), paths.filter { !written.contains($0) })
        let wrote =
            changed.count > filesNamedAtMost
            ? [Diagnostic(.note, code: "output-written", "wrote \(changed.count) files in \(output)")]
            : changed.map { Diagnostic(.note, code: "output-written", "wrote \($0)") }
        let kept =
            unchanged.count > filesNamedAtMost
            ? [
                Diagnostic(
                    .note, code: "output-unchanged",
                    "\(unchanged.count) files in \(output) are unchanged; left as they were")
            ]
            : unchanged.map { Diagnostic(.note, code: "output-unchanged", "\($0) is unchanged; left as it was") }
        return wrote + kept
    }

    private static func policiesNeedFolder(_ outcome: GenerateOutcome, output: String?) -> Bool {
        !outcome.mtaSTSPolicies.isEmpty && !(output.map(OutputLayout.isFolder) ?? false)
    }

    private static func policyFiles(
        _ outcome: GenerateOutcome, _ target: Target
    ) throws(DiagnosticError) -> [(path: String, contents: String)] {
        do {
            return try OutputLayout.mtaSTSFiles(
                outcome.mtaSTSPolicies.map { ($0.webHost, $0.text) }, in: target.output)
        } catch {
            throw DiagnosticError(.error(.cannotCreate("output-write"), error.description))
        }
    }

    /// Records what this description wrote in the folder and, with `prune`, removes what it
    /// wrote before and no longer makes. Runs only after every new file is in place, so a
    /// failed run removes nothing.
    private static func claim(
        _ claims: Result<OutputClaims.Update, OutputClaims.Failure>, _ outcome: GenerateOutcome, _ target: Target
    ) throws(DiagnosticError) -> [Diagnostic] {
        let folder = URL(fileURLWithPath: target.output)
        // Every file the description makes: only --prune needs them (a provider's 100,000 paths).
        var makes: Set<String>?
        if target.prune {
            let zoneFiles = outcome.allZones.map {
                OutputLayout.path(in: folder.path, String($0.fqdn.dropLast()) + "." + target.fileExtension)
            }
            let policyFiles =
                policiesNeedFolder(outcome, output: target.output)
                ? []
                : outcome.allWebHosts.map { folder.appendingPathComponent("\($0)/.well-known/mta-sts.txt").path }
            makes = Set(zoneFiles + policyFiles)
        }
        let source = URL(fileURLWithPath: target.description).lastPathComponent
        do {
            let pruned = try claims.get().finish(pruningAllBut: makes)
            return pruned.removed.map {
                Diagnostic(.note, code: "output-pruned", "removed \($0): \(source) no longer makes it")
            }
                + pruned.kept.map { Diagnostic.warning("output-prune-kept", "\($0.path): \($0.reason)") }
        } catch {
            throw DiagnosticError(.error(.cannotCreate("output-prune"), error.description))
        }
    }
}
