import Foundation
import XCTest

/// Every JSON document danectl writes validates against its schema in Schemas/, and the
/// examples validate against the description schema editors use.
enum SchemaCheck {
    /// Validates `json` (written to a file) against Schemas/NAME.schema.json.
    static func assertValid(
        _ json: String, _ name: String, _ label: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let folder = try TemporaryFolder()
        let document = try folder.write("\(name).json", json)
        try assertValidFiles([document], name, label, file: file, line: line)
    }

    static func assertValidFiles(
        _ paths: [String], _ name: String, _ label: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let result = try Processes.run(
            "python3",
            [Repository.path("Tests/schema-check.py"), Repository.path("Schemas/\(name).schema.json")] + paths)
        XCTAssertEqual(
            result.status, 0,
            "\(label) does not validate against \(name).schema.json:\n\(result.stdout)\(result.stderr)", file: file,
            line: line)
    }
}

final class SchemaTests: XCTestCase {
    func testGenerateJSONValidates() throws {
        for example in ["Examples/example.com/domain.yaml", "Examples/hosting-provider/provider.yaml"] {
            let result = try Danectl.run(["generate", Repository.path(example), "--format", "json"])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stdout.contains("\"schema_version\" : 1"), result.stdout)
            try SchemaCheck.assertValid(result.stdout, "generate", example)
        }
    }

    func testRolloverPlanJSONValidates() throws {
        let result = try Danectl.run([
            "rollover", "plan", Repository.path("Examples/hosting-provider/provider.yaml"), "--offline", "--format",
            "json",
            "--now", "2026-12-01T00:00:00Z",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        try SchemaCheck.assertValid(result.stdout, "rollover-plan", "rollover plan")
    }

    func testExamplesValidateAgainstTheDescriptionSchema() throws {
        try SchemaCheck.assertValidFiles(
            [
                Repository.path("Examples/example.com/domain.yaml"),
                Repository.path("Examples/hosting-provider/provider.yaml"),
            ], "description", "the examples")
        // The schema is strict enough to catch what an editor should flag.
        let folder = try TemporaryFolder()
        let bad = try folder.write("bad.yaml", "domain: example.com\nmx: [{host: mx.example.com, priorty: 10}]\n")
        let result = try Processes.run(
            "python3",
            [Repository.path("Tests/schema-check.py"), Repository.path("Schemas/description.schema.json"), bad])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stdout.contains("priorty"), result.stdout)
    }
}
