import Foundation
import XCTest

/// Runs real programs (danectl itself and the anchor tools) the way an operator would.
struct ProcessResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

enum Processes {
    /// Runs `executable` (a path, or a name looked up on PATH) and waits for it.
    @discardableResult
    static func run(
        _ executable: String, _ arguments: [String], stdin: Data? = nil,
        directory: String? = nil, file: StaticString = #filePath, line: UInt = #line
    ) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try resolve(executable, file: file, line: line))
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        // Read both pipes concurrently so a chatty tool cannot block on a full pipe.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A shell pipeline, for the openssl reference computations.
    static func shell(_ script: String, directory: String? = nil) throws -> ProcessResult {
        try run("/bin/sh", ["-c", "set -e; " + script], directory: directory)
    }

    /// Finds a tool on PATH (and the sbin folders); a missing tool fails the test loudly.
    static func resolve(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        if name.hasPrefix("/") { return name }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/sbin:/usr/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        XCTFail("required tool \(name) is not installed (scripts/install-deps installs it)", file: file, line: line)
        throw MissingTool(name: name)
    }

    struct MissingTool: Error { let name: String }
}

/// The danectl binary built next to this test bundle.
enum Danectl {
    static var path: String {
        if let override = ProcessInfo.processInfo.environment["DANECTL"] { return override }
        // The test runner lives in the build products folder, next to danectl.
        let runner =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: runner).deletingLastPathComponent().appendingPathComponent("danectl").path
    }

    static func run(_ arguments: [String], directory: String? = nil) throws -> ProcessResult {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            XCTFail("danectl is not built at \(path); run swift build --build-tests first")
            throw Processes.MissingTool(name: "danectl")
        }
        return try Processes.run(path, arguments, directory: directory)
    }
}

/// A fresh temporary folder, removed when the test ends.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("danectl-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        let target = file(name)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: target, atomically: true, encoding: .utf8)
        return target
    }
}

/// The repository's root, for Examples/ and Tests/Fixtures/.
enum Repository {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.path
            }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    static func path(_ relative: String) -> String { (root as NSString).appendingPathComponent(relative) }
}

/// Prometheus's own parser (prometheus-client in the tests' venv) over a text-format file:
/// the samples it read, one `name{labels} value` per line, or a test failure.
enum PrometheusCheck {
    static func samples(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let python =
            (ProcessInfo.processInfo.environment["DANECTL_TEST_VENV"] ?? Repository.path(".venv-test")) + "/bin/python"
        let result = try Processes.run(python, [Repository.path("Tests/prometheus-check.py"), path])
        XCTAssertEqual(
            result.status, 0, "\(path) does not parse as Prometheus text: \(result.stdout)\(result.stderr)", file: file,
            line: line)
        return result.stdout.split(separator: "\n").map(String.init)
    }
}
