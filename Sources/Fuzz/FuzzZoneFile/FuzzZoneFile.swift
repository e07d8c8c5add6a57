import Foundation
import LDNSKit

/// Fuzz target: zone files as `sign` reads them (cut into pieces, parsed, packed). The input
/// goes to a file in memory-backed /dev/shm, since the parser reads files.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzZoneFile(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let path = "/dev/shm/danectl-fuzz-\(getpid()).zone"
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: start, count: count)) else { return 0 }
    defer { unlink(path) }
    _ = try? ZoneFile.parse(path: path, origin: "example.com.")
    return 0
}

#if !FUZZING
/// Without libFuzzer (a normal build), replays files: `FuzzZoneFile CORPUS-FILE...`.
@main
enum Replay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            var bytes = Array(data) + [0]
            _ = bytes.withUnsafeMutableBufferPointer { fuzzZoneFile($0.baseAddress!, $0.count - 1) }
        }
    }
}
#endif
