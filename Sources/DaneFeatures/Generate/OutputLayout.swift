import DaneModel
import FileKit
import Foundation

/// Where `generate --output PATH` puts its records: PATH itself, or, when PATH is a folder
/// (existing, or ending in `/`, created if needed), one file per zone named `<zone>.<ext>`.
public enum OutputLayout {
    public static func files(
        _ records: [ResourceRecord], to output: String, extension ext: String,
        render: ([ResourceRecord]) -> String
    ) throws(AtomicFiles.Failure) -> [(path: String, contents: String)] {
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: output, isDirectory: &isFolder)
        guard output.hasSuffix("/") || (exists && isFolder.boolValue) else { return [(output, render(records))] }
        do {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        } catch {
            throw AtomicFiles.Failure(
                path: output, reason: "cannot create the folder: \((error as NSError).localizedDescription)")
        }
        let byZone = Dictionary(grouping: records, by: \.zone)
        return byZone.keys.sorted().map { zone in
            let name = String(zone.fqdn.dropLast()) + "." + ext
            return (URL(fileURLWithPath: output).appendingPathComponent(name).path, render(byZone[zone]!))
        }
    }
}

extension OutputLayout {
    /// True when `output` names a folder: existing as one, or ending in `/`.
    public static func isFolder(_ output: String) -> Bool {
        var isFolder: ObjCBool = false
        return output.hasSuffix("/")
            || (FileManager.default.fileExists(atPath: output, isDirectory: &isFolder) && isFolder.boolValue)
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
                    path: directory.path, reason: "cannot create the folder: \((error as NSError).localizedDescription)"
                )
            }
            return (directory.appendingPathComponent("mta-sts.txt").path, policy.text)
        }
    }
}
