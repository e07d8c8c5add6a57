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
/// Without libFuzzer (a normal build), replays files: `FuzzDescription CORPUS-FILE...`.
@main
enum Replay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            var bytes = Array(data) + [0]
            _ = bytes.withUnsafeMutableBufferPointer { fuzzDescription($0.baseAddress!, $0.count - 1) }
        }
    }
}
#endif
