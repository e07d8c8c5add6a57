import Foundation
internal import CLDNS

/// A signed zone, owned (freed with this object), written out on demand: the names are printed
/// in contiguous ranges on every core into anonymous temporary files, then copied to the
/// destination in order, so a large zone is never held twice in memory.
public final class SignedZone: @unchecked Sendable {
    let zone: UnsafeMutablePointer<ldns_dnssec_zone>
    let threads: Int
    public internal(set) var signatures = 0
    public internal(set) var rrsets = 0

    init(zone: UnsafeMutablePointer<ldns_dnssec_zone>, threads: Int) {
        self.zone = zone
        self.threads = threads
    }

    deinit { ldns_dnssec_zone_deep_free(zone) }

    /// The whole zone as text (for small zones and tests).
    public var text: String { capturePrint { ldns_dnssec_zone_print($0, zone) } }

    /// Writes the zone to an open file descriptor; false (with errno set) if writing failed.
    public func write(to fd: Int32) -> Bool {
        var names: [UnsafeMutablePointer<ldns_dnssec_name>] = []
        if let tree = zone.pointee.names {
            var node = ldns_rbtree_first(tree)
            while let current = node, current.pointee.key != nil {  // ldns's sentinel node has no key
                names.append(UnsafeMutablePointer(mutating: current.pointee.data.assumingMemoryBound(to: ldns_dnssec_name.self)))
                node = ldns_rbtree_next(current)
            }
        }
        let parts = max(1, min(threads, names.count / 256 + 1))
        let shared = SendableNames(names)
        let files = UnsafeMutableBufferPointer<UnsafeMutablePointer<FILE>?>.allocate(capacity: parts)
        files.initialize(repeating: nil)
        defer {
            files.forEach { if let file = $0 { fclose(file) } }
            files.deallocate()
        }
        nonisolated(unsafe) let filesRef = files
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            guard let file = tmpfile() else { return }
            let start = shared.names.count * part / parts, end = shared.names.count * (part + 1) / parts
            for index in start..<end { ldns_dnssec_name_print(file, shared.names[index]) }
            fflush(file)
            filesRef[part] = file
        }
        var block = [UInt8](repeating: 0, count: 1 << 20)
        for file in files {
            guard let file else { return false }
            rewind(file)
            while true {
                let n = fread(&block, 1, block.count, file)
                if n == 0 { break }
                var offset = 0
                while offset < n {
                    let wrote = block.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + offset, n - offset) }
                    if wrote < 0 {
                        if errno == EINTR { continue }
                        return false
                    }
                    offset += wrote
                }
            }
            if ferror(file) != 0 { return false }
        }
        return true
    }

    final class SendableNames: @unchecked Sendable {
        let names: [UnsafeMutablePointer<ldns_dnssec_name>]
        init(_ names: [UnsafeMutablePointer<ldns_dnssec_name>]) { self.names = names }
    }
}
