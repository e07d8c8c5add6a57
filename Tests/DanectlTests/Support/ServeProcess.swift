import Foundation
import XCTest

/// `danectl reports serve` started by a test on a free loopback port, its standard error
/// (one line per request) kept in a file the test can read; stopped (SIGTERM) when done.
final class ServeProcess {
    let process = Process()
    let log: String
    private(set) var port = ""

    init(_ arguments: [String], in folder: TemporaryFolder, command: [String] = ["reports", "serve"]) throws {
        log = folder.file("serve-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = URL(fileURLWithPath: Danectl.path)
        process.arguments = command + ["--listen", "127.0.0.1:0"] + arguments
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let seen = lines
            if let range = seen.range(of: #"listening on 127\.0\.0\.1:(\d+) "#, options: .regularExpression) {
                port = String(seen[range].dropFirst("listening on 127.0.0.1:".count).dropLast())
                return
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.terminate()
        XCTFail("reports serve did not start: \(lines)")
        throw Processes.MissingTool(name: "reports serve")
    }

    var lines: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// SIGTERM, then the exit status.
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate() } }
}
