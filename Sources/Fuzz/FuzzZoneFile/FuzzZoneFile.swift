import Foundation
import LDNSKit

/// Fuzz target: zone files as `sign` reads them to re-sign (cut into pieces, the signer's own
/// lines read without ldns, the rest parsed and packed, old signatures kept). The input
/// goes to a file in memory-backed /dev/shm, since the parser reads files.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzZoneFile(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let path = "/dev/shm/danectl-fuzz-\(getpid()).zone"
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes: start, count: count)) else { return 0 }
    defer { unlink(path) }
    _ = try? ZoneFile.parse(path: path, origin: "example.com.", keepSignatures: true)
    return 0
}

#if !FUZZING
    import FuzzReplay

    /// Without libFuzzer (a normal build): `FuzzZoneFile CORPUS-FILE...` replays files.
    @main
    enum Replay {
        static func main() { replayFiles(CommandLine.arguments.dropFirst(), through: fuzzZoneFile) }
    }
#endif
