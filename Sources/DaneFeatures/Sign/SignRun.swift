import DaneModel
import FileKit
import FoundationEssentials
import Glibc
import LDNSKit

/// `sign` as the CLI calls it: load the records to include, sign the zone, write it (a file
/// replaced all or nothing, or standard output), and say what was done. The CLI only wires.
public enum SignRun {
    public struct Request {
        public var zoneFile: String
        public var keyPaths: [String]
        /// A description or zone fragment whose records are merged first (`--include`).
        public var include: String?
        public var serial: SerialPolicy = .increment
        public var options: SigningOptions
        /// A path, or `-` for standard output.
        public var output: String

        public init(zoneFile: String, keyPaths: [String], options: SigningOptions, output: String) {
            self.zoneFile = zoneFile
            self.keyPaths = keyPaths
            self.options = options
            self.output = output
        }
    }

    /// Warnings met on the way, then the closing note; throws before anything is replaced.
    public static func run(_ request: Request) throws(DiagnosticError) -> [Diagnostic] {
        let now = request.options.now
        ProcessTuning.forParsingLargeZones()
        let included = try IncludedRecords.load(request.include, keyPaths: request.keyPaths, now: now)
        let outcome = try ZoneSigning().sign(
            .init(
                zoneFile: request.zoneFile, keyPaths: request.keyPaths, include: included.records,
                serial: request.serial, options: request.options, now: now))
        var said = included.warnings
        if let mixed = mixedTTLWarning(outcome, request.zoneFile) { said.append(mixed) }
        // Parsed; now signatures are made while the zone is written, in block buffers that
        // should go back to the system one by one (set here, not before parsing: the parser's
        // growing arrays would pay for it in page faults).
        ProcessTuning.forSigningLargeZones()
        do throws(DiagnosticError) { try write(outcome, to: request.output) } catch {
            throw DiagnosticError(said + error.diagnostics)
        }
        return said + [note(outcome, request)]
    }

    private static func write(_ outcome: ZoneSigning.Outcome, to target: String) throws(DiagnosticError) {
        if target == "-" {
            guard outcome.signed.write(to: STDOUT_FILENO) else {
                throw DiagnosticError(
                    .error(
                        .cannotCreate("output-stdout"),
                        outcome.signed.failure
                            ?? "cannot write the signed zone to standard output: \(String(cString: strerror(errno)))"))
            }
            return
        }
        do { try AtomicFiles.write(to: target) { outcome.signed.write(to: $0) } } catch {
            throw DiagnosticError(
                .error(
                    .cannotCreate("output-write"),
                    outcome.signed.failure.map { "\(target): \($0)" } ?? error.description))
        }
    }

    private static func mixedTTLWarning(_ outcome: ZoneSigning.Outcome, _ zoneFile: String) -> Diagnostic? {
        let mixed = outcome.signed.mixedTTLs
        guard mixed.count > 0 else { return nil }
        return .warning(
            "sign-mixed-ttl",
            "\(mixed.count) RRset\(mixed.count == 1 ? " has" : "s have") records with different TTLs "
                + "(\(mixed.examples.joined(separator: ", "))\(mixed.count > mixed.examples.count ? ", ..." : "")); each is published and signed "
                + "with one TTL, its first record's in canonical order (RFC 2181 §5.2): give its records one TTL",
            at: SourceLocation(file: zoneFile))
    }

    private static func note(_ outcome: ZoneSigning.Outcome, _ request: Request) -> Diagnostic {
        let denial =
            switch request.options.denial {
            case .nsec: "NSEC"
            case .nsec3(let optOut): "NSEC3" + (optOut ? " opt-out" : "")
            }
        let kept = outcome.signed.kept, bySeal = outcome.signed.keptBySeal
        return Diagnostic(
            .note, code: "sign-done",
            "signed \(outcome.origin) serial \(outcome.serial): \(outcome.rrsets) RRsets, \(outcome.signatures) signatures"
                + (kept > 0
                    ? " (\(kept) kept: \(bySeal) by their seal, \(kept - bySeal) verified; \(outcome.signatures - kept) new)"
                    : "") + ", " + denial
                + (request.output == "-" ? "" : " -> \(request.output)"))
    }
}
