import DaneModel
import FileKit
import FoundationEssentials
import WorkSharing

/// Where `generate --output PATH` puts its records: PATH itself, or, when PATH is a folder
/// (existing, or ending in `/`, created if needed), one file per zone named `<zone>.<ext>`.
public enum OutputLayout {
    /// Hands each output file to `body` as it is rendered, in zone order: PATH itself with
    /// every record, or one file per zone in the folder PATH. `body` gets the file's path and
    /// what writes its text to a sink. PATH itself is rendered while `body` writes it (a
    /// provider's file is never held whole); a folder's files are rendered on every core
    /// first (a provider's 100,000 zones), a few thousand at a time. `renderer` makes a
    /// renderer for one thread, so a renderer may keep caches. The first error `body` throws
    /// ends the walk and is rethrown.
    public static func eachFile(
        _ records: [ResourceRecord], to output: String, extension ext: String,
        renderer: () -> ([ResourceRecord], TextSink) -> Bool,
        _ body: (_ path: String, _ write: (TextSink) -> Bool) throws(DiagnosticError) -> Void
    ) throws(DiagnosticError) {
        guard isFolder(output) else {
            let render = renderer()
            return try body(output) { render(records, $0) }
        }
        do {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        } catch {
            throw DiagnosticError(
                .error(
                    .cannotCreate("output-write"),
                    "cannot write \(output): cannot create the folder: \(FileErrors.reason(error))"))
        }
        let byZone = Dictionary(grouping: records, by: \.zone)
        let zones = byZone.keys.sorted()
        let folder = URL(fileURLWithPath: output).path
        var failure: DiagnosticError?
        OrderedChunks.forEach(count: zones.count, chunk: 1_024) { range in
            let render = renderer()
            return zones[range].map { zone in
                let text = collectText { render(byZone[zone]!, $0) }
                return (path(in: folder, String(zone.fqdn.dropLast()) + "." + ext), text)
            }
        } consume: { files in
            for (path, text) in files where failure == nil {
                do throws(DiagnosticError) { try body(path) { $0(text) } } catch { failure = error }
            }
        }
        if let failure { throw failure }
    }

    /// `folder/name` for a name without slashes (a zone's or a web host's), as
    /// `URL.appendingPathComponent` spells it, without a URL per file.
    public static func path(in folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}

extension OutputLayout {
    /// True when `output` names a folder: existing as one, or ending in `/`.
    public static func isFolder(_ output: String) -> Bool {
        output.hasSuffix("/") || RegularFiles.isDirectory(output)
    }

    /// MTA-STS policy files laid out as a web server serves them:
    /// `folder/mta-sts.<domain>/.well-known/mta-sts.txt` (the folders are created here).
    public static func mtaSTSFiles(
        _ policies: [(webHost: String, text: String)], in folder: String
    ) throws(AtomicFiles.Failure)
        -> [(path: String, contents: String)]
    {
        try policies.map { policy throws(AtomicFiles.Failure) in
            let directory = URL(fileURLWithPath: folder).appendingPathComponent(policy.webHost).appendingPathComponent(
                ".well-known")
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw AtomicFiles.Failure(
                    path: directory.path, reason: "cannot create the folder: \(FileErrors.reason(error))"
                )
            }
            return (directory.appendingPathComponent("mta-sts.txt").path, policy.text)
        }
    }
}
