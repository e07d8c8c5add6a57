import Foundation
import XCTest

/// A private PostgreSQL cluster for one test: its own data folder, initdb'd by the test,
/// listening on 127.0.0.1 at a free port and on a socket in its own folder, stopped with
/// `pg_ctl stop` on its own data folder (so it can never stop another lab's server). Run as
/// the `postgres` user when the tests run as root (PostgreSQL refuses root). The server is
/// this test's own child (not daemonised by `pg_ctl start`, whose server would inherit the
/// descriptor Foundation watches to learn that a child ended, and hang the test).
final class PostgresCluster {
    let folder: TemporaryFolder
    let port: Int
    private let binaries: String
    private let data: String
    private let server = Process()
    private var running = false

    /// `postgres://danectl@127.0.0.1:PORT/DATABASE`
    func url(database: String = "postgres") -> String { "postgres://danectl@127.0.0.1:\(port)/\(database)" }

    init(file: StaticString = #filePath, line: UInt = #line) throws {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let version = versions.compactMap(Int.init).max() else {
            XCTFail(
                "PostgreSQL is not installed (scripts/install-deps installs the Debian package postgresql)", file: file,
                line: line)
            throw Processes.MissingTool(name: "postgresql")
        }
        binaries = "/usr/lib/postgresql/\(version)/bin"
        folder = try TemporaryFolder()
        data = folder.file("data")
        let socket = folder.file("socket")
        try FileManager.default.createDirectory(atPath: socket, withIntermediateDirectories: true)
        port = try Self.freePort()
        if getuid() == 0 {
            try Processes.run("chown", ["-R", "postgres:postgres", folder.path])
        }
        try run("initdb", ["-D", data, "-U", "danectl", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"])
        let arguments = [
            "-D", data, "-p", "\(port)", "-k", socket, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
            "-c", "synchronous_commit=off", "-c", "max_connections=50",
        ]
        let log = folder.file("server.log")
        FileManager.default.createFile(atPath: log, contents: nil)
        if getuid() == 0 {
            try Processes.run("chown", ["postgres:postgres", log])
            server.executableURL = URL(fileURLWithPath: try Processes.resolve("runuser"))
            server.arguments = ["-u", "postgres", "--", "\(binaries)/postgres"] + arguments
        } else {
            server.executableURL = URL(fileURLWithPath: "\(binaries)/postgres")
            server.arguments = arguments
        }
        server.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        server.standardError = server.standardOutput
        server.standardInput = FileHandle.nullDevice
        try server.run()
        running = true
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if try Processes.run("\(binaries)/pg_isready", ["-q", "-h", "127.0.0.1", "-p", "\(port)"]).status == 0 {
                return
            }
            guard server.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        stop()
        XCTFail(
            "PostgreSQL did not start: " + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""), file: file,
            line: line)
        throw Processes.MissingTool(name: "postgres")
    }

    private func run(_ tool: String, _ arguments: [String]) throws {
        let result =
            getuid() == 0
            ? try Processes.run("runuser", ["-u", "postgres", "--", "\(binaries)/\(tool)"] + arguments)
            : try Processes.run("\(binaries)/\(tool)", arguments)
        guard result.status == 0 else {
            let log = (try? String(contentsOfFile: folder.file("server.log"), encoding: .utf8)) ?? ""
            XCTFail("\(tool) failed (\(result.status)): \(result.stdout)\(result.stderr)\(log)")
            throw Processes.MissingTool(name: tool)
        }
    }

    /// psql as the cluster's superuser; the output unaligned, tuples only.
    func psql(_ sql: String, database: String = "postgres") throws -> String {
        let result = try Processes.run(
            "psql", ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql, url(database: database)])
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func stop() {
        guard running else { return }
        running = false
        try? run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
        server.waitUntilExit()
    }

    deinit { stop() }

    private static func freePort() throws -> Int {
        let result = try Processes.run(
            "python3", ["-c", "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"])
        guard let port = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Processes.MissingTool(name: "python3")
        }
        return port
    }
}
