import Foundation
import OpenSSLKit

/// Fuzz target: certificate, chain, key and CSR files, PEM or DER, as the description names them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKeyMaterial(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    if let material = try? KeyMaterialDecoder.read(bytes) {
        _ = material.keyAlgorithm
        _ = material.leaf?.subject
        _ = material.chain.count > 1 ? material.chain[0].isIssued(by: material.chain[1]) : false
    }
    return 0
}

#if !FUZZING
    import FuzzReplay

    /// Without libFuzzer (a normal build): `FuzzKeyMaterial CORPUS-FILE...` replays files.
    @main
    enum Replay {
        static func main() { replayFiles(CommandLine.arguments.dropFirst(), through: fuzzKeyMaterial) }
    }
#endif
