import Foundation
import XCTest

/// Every input in the fuzz corpus (Tests/Fuzz/corpus), replayed through the normal build of
/// its fuzz target: inputs that once crashed stay fixed. scripts/fuzz explores further.
final class FuzzCorpusTests: XCTestCase {
    func testTheCorpusReplaysWithoutACrash() throws {
        let folder = Repository.path("Tests/Fuzz/corpus")
        let targets = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        XCTAssertEqual(targets, ["FuzzDescription", "FuzzKeyMaterial", "FuzzLiveDNS", "FuzzReport", "FuzzZoneFile"])
        for target in targets {
            let inputs = try FileManager.default.contentsOfDirectory(atPath: "\(folder)/\(target)").sorted().map {
                "\(folder)/\(target)/\($0)"
            }
            XCTAssertFalse(inputs.isEmpty, "\(target) has no seed corpus")
            let replayer = (Danectl.path as NSString).deletingLastPathComponent + "/" + target
            let result = try Processes.run(replayer, inputs)
            XCTAssertEqual(result.status, 0, "\(target): \(result.stderr)")
        }
    }
}
