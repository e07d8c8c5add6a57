import Foundation
import XCTest

/// One exit-status vocabulary across commands: each status, produced by a real run, and every
/// command's --help lists the statuses it can end with. (1, 2, 3 and 75 need live DNS: see
/// ExitStatusLabTests.)
final class ExitStatusTests: XCTestCase {
    let example = Repository.path("Examples/example.com/domain.yaml")

    func testEveryCommandsHelpListsItsExitStatuses() throws {
        for command in [
            ["generate"], ["verify"], ["sign"], ["keygen"], ["ds"], ["rollover", "plan"], ["rollover", "check"],
            ["rollover", "prepare"], ["rollover", "deploy"],
        ] {
            let help = try Danectl.run(command + ["--help"])
            XCTAssertEqual(help.status, 0, "\(command)")
            for line in [
                "EXIT STATUS", "  0   ", "  64  bad command-line usage", "  65  bad input",
                "  66  an input file cannot be opened",
                "  69  could not run", "  73  the output could not be written",
            ] {
                XCTAssertTrue(help.stdout.contains(line), "\(command.joined(separator: " ")) --help lacks \"\(line)\"")
            }
        }
    }

    /// Hardening m10: each status is listed once, with one meaning, in every command's help.
    func testNoStatusIsListedTwice() throws {
        for command in [
            ["generate"], ["verify"], ["sign"], ["keygen"], ["ds"], ["publish"], ["rollover", "plan"],
            ["rollover", "check"],
            ["rollover", "prepare"], ["rollover", "deploy"], ["reports", "ingest"], ["reports", "summary"],
            ["reports", "rejected"],
            ["reports", "serve"],
        ] {
            let help = try Danectl.run(command + ["--help"])
            XCTAssertEqual(help.status, 0, "\(command)")
            let section = help.stdout.components(separatedBy: "EXIT STATUS").dropFirst().first ?? ""
            let codes = section.split(separator: "\n").compactMap { line -> Int? in
                let trimmed = line.drop { $0 == " " }
                guard line.hasPrefix("  "), !line.hasPrefix("      "), let code = Int(trimmed.prefix { $0.isNumber })
                else { return nil }
                return code
            }
            XCTAssertFalse(codes.isEmpty, "\(command): no EXIT STATUS section")
            XCTAssertEqual(
                codes.count, Set(codes).count, "\(command.joined(separator: " ")) lists a status twice: \(codes)")
        }
    }

    func testStatusesWithoutLiveDNS() throws {
        let folder = try TemporaryFolder()
        XCTAssertEqual(try Danectl.run(["generate", example]).status, 0)
        XCTAssertEqual(try Danectl.run(["generate", example, "--no-such-flag"]).status, 64, "usage")
        XCTAssertEqual(
            try Danectl.run(["verify", "--timeout", "nan", "example.com"]).status, 64,
            "a numeric option out of range is usage")
        XCTAssertEqual(
            try Danectl.run(["rollover", "check", example, "--host", "mx9.example.com", "--resolver", "127.0.0.1:9"])
                .status, 64,
            "an unknown --host is usage, before anything is asked")
        let bad = try folder.write("bad.yaml", "domain: [not, a, name]\n")
        XCTAssertEqual(try Danectl.run(["generate", bad]).status, 65, "bad data")
        XCTAssertEqual(try Danectl.run(["generate", folder.file("absent.yaml")]).status, 66, "no input")
        XCTAssertEqual(
            try Danectl.run(["rollover", "check", example, "--resolver", "127.0.0.1:9", "--timeout", "1"]).status, 69,
            "unavailable")
        XCTAssertEqual(
            try Danectl.run(["generate", example, "-o", "/nonexistent-danectl/x.zone"]).status, 73, "cannot create")
        let full = try Processes.run("/bin/sh", ["-c", "'\(Danectl.path)' generate '\(example)' > /dev/full"])
        XCTAssertEqual(full.status, 73, "a write to a full device is not success: \(full.stderr)")
        XCTAssertTrue(full.stderr.contains("cannot write to standard output"), full.stderr)
    }
}
