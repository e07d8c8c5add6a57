import DaneModel
import FileKit
import FoundationEssentials
import WorkSharing

/// Where `generate --output PATH` puts its records: PATH itself, or, when PATH is a folder
/// (existing, or ending in `/`, created if needed), one file per zone named `<zone>.<ext>`.
public enum OutputLayout {
    /// One file per zone (`zoneRuns`) in the folder `output` (created if needed), named `<zone>.<ext>`:
    /// each is rendered and handed to `prepare` on every core (a provider's 100,000 zones, a
    /// thousand at a time), and what `prepare` made goes to `consume` in zone order on the
    /// calling thread. `renderer` makes a renderer for one thread, so a renderer may keep
    /// caches; `prepare` must be safe on several threads at once. After the first error
    /// `consume` throws, the rest of what `prepare` made is handed to `discard` instead, and
    /// the error is rethrown.
    public static func eachZoneFile<Prepared>(
        _ zones: [(zone: DNSName, records: ArraySlice<ResourceRecord>)], in output: String, extension ext: String,
        renderer: () -> ([ResourceRecord], TextSink) -> Bool,
        prepare: (_ path: String, _ text: String) -> Prepared,
        consume: (_ path: String, Prepared) throws(DiagnosticError) -> Void,
        discard: (Prepared) -> Void
    ) throws(DiagnosticError) {
        do {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        } catch {
            throw DiagnosticError(
                .error(
                    .cannotCreate("output-write"),
                    "cannot write \(output): cannot create the folder: \(FileErrors.reason(error))"))
        }
        let folder = URL(fileURLWithPath: output).path
        var failure: DiagnosticError?
        OrderedChunks.forEach(count: zones.count, chunk: 1_024) { range in
            let render = renderer()
            return zones[range].map { run in
                let path = path(in: folder, String(run.zone.fqdn.dropLast()) + "." + ext)
                return (path, prepare(path, collectText { render(Array(run.records), $0) }))
            }
        } consume: { files in
            for (path, prepared) in files {
                guard failure == nil else {
                    discard(prepared)
                    continue
                }
                do throws(DiagnosticError) { try consume(path, prepared) } catch { failure = error }
            }
        }
        if let failure { throw failure }
    }

    /// The records of each zone, zones in canonical order, each zone's records in the order
    /// given. Generate's records come sorted zone first, so each zone's are one run of them,
    /// found in one pass (grouping and sorting a provider's 100,000 zones took a tenth of its
    /// run); records in another order are grouped and sorted.
    public static func zoneRuns(_ records: [ResourceRecord]) -> [(zone: DNSName, records: ArraySlice<ResourceRecord>)] {
        var runs: [(zone: DNSName, records: ArraySlice<ResourceRecord>)] = []
        var start = 0
        for index in records.indices where index + 1 == records.count || records[index + 1].zone != records[index].zone
        {
            // Each zone once and in order, or this is not generate's order.
            if let last = runs.last, !(last.zone < records[index].zone) {
                let byZone = Dictionary(grouping: records, by: \.zone)
                return byZone.keys.sorted().map { ($0, byZone[$0]![...]) }
            }
            runs.append((records[index].zone, records[start...index]))
            start = index + 1
        }
        return runs
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
