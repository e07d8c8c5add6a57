import DaneModel
import Foundation
import XCTest

/// Two public keys made with the openssl command line, a description naming them, and their
/// `3 1 1` records computed independently (openssl pkey | openssl dgst).
final class RolloverFixture {
    let folder: String
    let description: String
    let current: TLSARecordData
    let next: TLSARecordData

    init(port: UInt16 = 25, withNext: Bool = true, nextSameAsCurrent: Bool = false) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "danectl-features-\(UUID().uuidString)"
        ).path
        self.folder = folder
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        func key(_ name: String) throws -> TLSARecordData {
            let hash = try Self.shell(
                """
                openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out \(name).key 2>/dev/null &&
                openssl pkey -in \(name).key -pubout -out \(name).pub &&
                openssl pkey -pubin -in \(name).pub -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1
                """, in: folder)
            return try TLSARecordData(presentation: "3 1 1 \(hash)")
        }
        let current = try key("current")
        self.current = current
        next = nextSameAsCurrent ? current : try key("next")
        let nextFile = nextSameAsCurrent ? "current.pub" : "next.pub"
        description = folder + "/domain.yaml"
        try """
        domain: example.test
        ttl: 300
        mx: [{host: mx.example.test, port: \(port), key: current.pub\(withNext ? ", next: \(nextFile)" : "")}]
        """.write(toFile: description, atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    static func shell(_ script: String, in folder: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "openssl", code: Int(process.terminationStatus))
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
