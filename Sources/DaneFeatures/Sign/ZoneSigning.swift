import DaneModel
import FoundationEssentials
import Glibc
import LDNSKit

/// `sign`: an existing zone file, plus the records `generate` makes for that zone, signed
/// whole with NSEC or NSEC3 after the SOA serial moves forward.
public struct ZoneSigning {
    public struct Request {
        public var zoneFile: String
        public var keyPaths: [String]
        /// Records to merge (RRsets with the same owner and type are replaced).
        /// Records to merge, each with the place it came from (`file:line`).
        public var include: [(text: String, place: String)]
        public var serial: SerialPolicy
        public var options: SigningOptions
        public var now: Date

        public init(
            zoneFile: String, keyPaths: [String], include: [(text: String, place: String)] = [],
            serial: SerialPolicy = .increment,
            options: SigningOptions, now: Date
        ) {
            self.zoneFile = zoneFile
            self.keyPaths = keyPaths
            self.include = include
            self.serial = serial
            self.options = options
            self.now = now
        }
    }

    public struct Outcome {
        /// The signed zone, written out with `signed.write(to:)`.
        public let signed: SignedZone
        public var text: String { signed.text }
        public let origin: String
        public let serial: UInt32
        public var signatures: Int { signed.signatures }
        public var rrsets: Int { signed.rrsets }
    }

    public init() {}

    public func sign(_ request: Request) throws(DiagnosticError) -> Outcome {
        let keys = try SigningKeys.load(request.keyPaths)
        let zone: ZoneFile
        do {
            zone = try ZoneFile.parse(
                path: request.zoneFile, origin: keys.first?.zone, keepSignatures: request.options.keepSignatures)
        } catch {
            // The place is the file the error is in: an $INCLUDEd file names itself.
            let file = error.file ?? request.zoneFile
            throw DiagnosticError(
                .error(
                    error.unreadable ? .noInput("zone-unreadable") : .badData("zone-parse"),
                    error.reason
                        .replacing("\(file):\(error.line ?? 0): ", with: "")
                        .replacing("\(file): ", with: ""),
                    at: SourceLocation(file: file, line: error.line)))
        }
        let location = SourceLocation(file: request.zoneFile)
        do {
            if !request.include.isEmpty {
                try zone.replaceRRsets(with: request.include)
            }
            zone.serial = request.serial.next(after: zone.serial, now: request.now)
            let serial = zone.serial
            let result = try SigningEngine.sign(zone, keys: keys, options: request.options)
            return Outcome(signed: result, origin: zone.origin, serial: serial)
        } catch {
            throw DiagnosticError(.error(.badData("sign-failed"), error.reason, at: location))
        }
    }
}

/// Loads BIND-format key files, turning ldns's complaints into diagnostics that name the file.
public enum SigningKeys {
    public static func load(_ paths: [String]) throws(DiagnosticError) -> [DNSSECKey] {
        guard !paths.isEmpty else {
            throw DiagnosticError(
                .error(
                    .badData("key-missing"),
                    "no signing key: pass --key K<zone>.+<alg>+<tag> (make one with danectl keygen)"))
        }
        let keys = try loadEach(paths)
        let zones = Set(keys.map(\.zone))
        if zones.count > 1 {
            throw DiagnosticError(
                .error(
                    .badData("key-zones"),
                    "the keys are for different zones (\(zones.sorted().joined(separator: ", "))); sign one zone at a time"
                ))
        }
        return keys
    }

    /// Every key named, each once: the same key named twice (on the command line, or there
    /// and in the description) would sign every RRset twice with it. Errors for all at once.
    public static func loadEach(_ paths: [String]) throws(DiagnosticError) -> [DNSSECKey] {
        var keys: [DNSSECKey] = []
        var errors: [Diagnostic] = []
        var seen = Set<String>()
        for path in paths {
            do {
                let key = try DNSSECKey.load(path: path)
                if seen.insert(key.zone + " " + key.dnskeyRDATA).inserted { keys.append(key) }
            } catch {
                errors.append(
                    .error(
                        error.unreadable ? .noInput("key-unreadable") : .badData("key-invalid"), error.reason,
                        at: SourceLocation(file: path)))
            }
        }
        guard errors.isEmpty else { throw DiagnosticError(errors) }
        return keys
    }
}
