import Foundation
import XCTest

/// A test case that needs the lab: started before the class's first test, stopped after its
/// last (TestLab counts its users, so classes running back to back share one start).
class LabTestCase: XCTestCase {
    nonisolated(unsafe) static var lab: TestLab?

    override class func setUp() {
        super.setUp()
        lab = try? TestLab.acquire()
    }

    override class func tearDown() {
        TestLab.release()
        super.tearDown()
    }
}

/// The lab of Tests/lab/lab.sh: real NSD, unbound and Postfix on loopback, started once for
/// the test classes that need it and stopped by PID at the end, pass or fail.
final class TestLab: @unchecked Sendable {
    let folder: String
    let resolver = "127.53.0.2"
    let certificates: String
    /// The lab root's DS records, for --trust-anchor.
    var trustAnchor: String { folder + "/zones/trust-anchor.ds" }

    nonisolated(unsafe) private static var running: TestLab?
    nonisolated(unsafe) private static var users = 0

    static func acquire() throws -> TestLab {
        users += 1
        if let running { return running }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("danectl-lab-\(UUID().uuidString)")
            .path
        // The lab's daemons outlive the script: give it a log file, not a pipe they would hold open.
        let log = folder + ".log"
        let status = Processes.system(
            "DANECTL_LAB_OWNER=\(getpid()) DANECTL='\(Danectl.path)' '\(Repository.path("Tests/lab/lab.sh"))' up '\(folder)' > '\(log)' 2>&1 < /dev/null"
        )
        guard status == 0 else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            XCTFail("the test lab did not start:\n\(output)")
            throw LabFailure(message: output)
        }
        let lab = TestLab(folder: folder)
        running = lab
        return lab
    }

    static func release() {
        users -= 1
        guard users <= 0, let lab = running else { return }
        _ = Processes.system(
            "'\(Repository.path("Tests/lab/lab.sh"))' down '\(lab.folder)' > /dev/null 2>&1 < /dev/null")
        try? FileManager.default.removeItem(atPath: lab.folder)
        try? FileManager.default.removeItem(atPath: lab.folder + ".log")
        running = nil
    }

    private init(folder: String) {
        self.folder = folder
        certificates = folder + "/certs"
    }

    struct LabFailure: Error { let message: String }
}

extension Processes {
    /// `sh -c command`, waited for with waitpid. Used for scripts that leave daemons running,
    /// which Foundation's Process on Linux does not always notice finishing.
    static func system(_ command: String) -> Int32 {
        var pid: pid_t = 0
        let arguments = ["/bin/sh", "-c", command]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
    }
}
