import Foundation

/// The normal build of a fuzz target replays files through its entry point: what the test
/// suite does with the corpus, and how a crash found by scripts/fuzz is reproduced.
public func replayFiles(_ paths: some Sequence<String>, through target: (UnsafePointer<UInt8>, Int) -> CInt) {
    for path in paths {
        guard let data = FileManager.default.contents(atPath: path) else { continue }
        var bytes = Array(data) + [0]  // never empty, so there is always a base address
        _ = bytes.withUnsafeMutableBufferPointer { target($0.baseAddress!, $0.count - 1) }
    }
}
