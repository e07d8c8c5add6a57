import DaneModel
import DaneSpec
import Foundation

/// Fuzz target: the YAML description loader (what an operator, or a pipeline, hands danectl).
/// Any input must give a description or diagnostics, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDescription(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    _ = try? DescriptionLoader.load(yaml: text, file: "fuzz.yaml", baseDirectory: "/nonexistent-danectl-fuzz")
    return 0
}

#if !FUZZING
    import FuzzReplay

    /// Without libFuzzer (a normal build): `FuzzDescription CORPUS-FILE...` replays files.
    @main
    enum Replay {
        static func main() { replayFiles(CommandLine.arguments.dropFirst(), through: fuzzDescription) }
    }
#endif
