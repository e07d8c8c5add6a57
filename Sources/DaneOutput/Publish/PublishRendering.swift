import DaneModel
import FoundationEssentials
import PlainText

/// `publish` output: per zone, the RRsets to add, replace or delete with their old and new
/// values, and what happened. The JSON shape is Schemas/publish.schema.json.
public enum PublishRendering {
    public static func text(_ zones: [ZonePublication], dryRun: Bool) -> String {
        var out = ""
        for zone in zones {
            let signing = zone.signedByServer ? ", signed by the server" : ""
            let serial = zone.serialBefore.map { "serial \($0)" } ?? "serial unknown"
            out += "zone \(zone.zone.fqdn) (\(serial)\(signing)): "
            out +=
                zone.changes.isEmpty
                ? "no changes\n" : "\(zone.changes.count) RRset\(zone.changes.count == 1 ? "" : "s") to change\n"
            for change in zone.changes {
                let ttl = change.newTTL ?? change.oldTTL ?? 0
                let ttlText =
                    change.oldTTL != nil && change.newTTL != nil && change.oldTTL != change.newTTL
                    ? "TTL \(change.oldTTL!) -> \(change.newTTL!)" : "TTL \(ttl)"
                out +=
                    "  \(change.action.rawValue.padded(to: 8)) \(change.owner.fqdn) \(change.type) (\(ttlText))\n"
                for value in change.removed { out += "             - \(value.presentation)\n" }
                for value in change.added { out += "             + \(value.presentation)\n" }
            }
            switch zone.state {
            case .unchanged, .planned:
                if dryRun && !zone.changes.isEmpty { out += "  dry run: nothing sent\n" }
            case .applied:
                let after =
                    zone.serialAfter.map { "serial \(zone.serialBefore.map(String.init) ?? "?") -> \($0)" }
                    ?? (zone.message ?? "applied")
                out += "  applied: \(after)\(zone.signedByServer && zone.serialAfter != nil ? ", served signed" : "")\n"
            case .failed:
                out += "  failed: nothing of this zone was changed\n"
            case .notAttempted:
                out += "  not sent: an earlier zone failed\n"
            }
        }
        return out
    }

    struct Document: Encodable {
        let schemaVersion = JSONDocument.schemaVersion
        let server: String
        let dryRun: Bool
        let changes: Bool
        let zones: [Zone]
        let exitStatus: Int32
        enum CodingKeys: String, CodingKey {
            case schemaVersion = "schema_version", server, dryRun = "dry_run", changes, zones, exitStatus =
                "exit_status"
        }
    }

    struct Zone: Encodable {
        let zone: String, state: String, serialBefore: UInt32?, serialAfter: UInt32?, signedByServer: Bool,
            message: String?
        let changes: [Change]
        enum CodingKeys: String, CodingKey {
            case zone, state, serialBefore = "serial_before", serialAfter = "serial_after", signedByServer =
                "signed_by_server", message, changes
        }
    }

    struct Change: Encodable {
        let owner: String, type: String, action: String
        let oldTTL: UInt32?, old: [String], newTTL: UInt32?, new: [String], removed: [String], added: [String]
        enum CodingKeys: String, CodingKey {
            case owner, type, action, oldTTL = "old_ttl", old, newTTL = "new_ttl", new, removed, added
        }
    }

    public static func json(_ zones: [ZonePublication], server: String, dryRun: Bool, exitStatus: Int32) -> String {
        JSONDocument.encode(
            Document(
                server: server, dryRun: dryRun, changes: zones.contains { !$0.changes.isEmpty },
                zones: zones.map { zone in
                    Zone(
                        zone: zone.zone.fqdn, state: zone.state.rawValue, serialBefore: zone.serialBefore,
                        serialAfter: zone.serialAfter,
                        signedByServer: zone.signedByServer, message: zone.message,
                        changes: zone.changes.map {
                            Change(
                                owner: $0.owner.fqdn, type: $0.type.description, action: $0.action.rawValue,
                                oldTTL: $0.oldTTL,
                                old: $0.old.map(\.presentation), newTTL: $0.newTTL, new: $0.new.map(\.presentation),
                                removed: $0.removed.map(\.presentation), added: $0.added.map(\.presentation))
                        })
                }, exitStatus: exitStatus))
    }
}
