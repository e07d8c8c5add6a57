import DaneModel
import FileKit
import Foundation

/// Where `generate --output PATH` puts its records: PATH itself, or, when PATH is a folder
/// (existing, or ending in `/`, created if needed), one file per zone named `<zone>.<ext>`.
public enum OutputLayout {
    public static func files(_ records: [ResourceRecord], to output: String, extension ext: String,
                             render: ([ResourceRecord]) -> String) throws(AtomicFiles.Failure) -> [(path: String, contents: String)] {
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: output, isDirectory: &isFolder)
        guard output.hasSuffix("/") || (exists && isFolder.boolValue) else { return [(output, render(records))] }
        do {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        } catch {
            throw AtomicFiles.Failure(path: output, reason: "cannot create the folder: \((error as NSError).localizedDescription)")
        }
        let byZone = Dictionary(grouping: records, by: \.zone)
        return byZone.keys.sorted().map { zone in
            let name = String(zone.fqdn.dropLast()) + "." + ext
            return (URL(fileURLWithPath: output).appendingPathComponent(name).path, render(byZone[zone]!))
        }
    }
}
