import DaneFeatures
import DaneModel
import Foundation
import XCTest

/// A property of every plan: at no moment does an MX serve a key that some resolver's cache
/// (holding any TLSA set the zone published, for its TTL, or a "no such record" answer for the
/// negative TTL) lacks. Random TTLs, negative TTLs, publishing delays, several hosts.
final class RolloverPlanPropertyTests: XCTestCase {
    struct Case {
        let ttl: UInt32, negative: UInt32?, delay: TimeInterval
        let firstPublication: Bool
    }

    func testNoPlanStrandsAServedKey() throws {
        var generator = SystemRandomNumberGenerator()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        for round in 0..<400 {
            let cases = (0..<Int.random(in: 1...4, using: &generator)).map { _ in
                Case(ttl: UInt32.random(in: 1...86_400, using: &generator),
                     negative: Bool.random(using: &generator) ? UInt32.random(in: 0...86_400, using: &generator) : nil,
                     delay: TimeInterval(Int.random(in: 0...3_600, using: &generator)),
                     firstPublication: Bool.random(using: &generator))
            }
            for (index, c) in cases.enumerated() {
                let timings = RolloverTimings(tlsaTTL: c.ttl, negativeTTL: c.negative)
                let deploy = now.addingTimeInterval(timings.waitBeforeDeploy(publishDelay: c.delay))
                let retire = deploy.addingTimeInterval(timings.waitBeforeRetire)
                // The zone shows the new set once the pipeline has published it.
                let visible = now.addingTimeInterval(c.delay)
                // The longest any resolver can hold what it saw just before: the old set for
                // its TTL, or, the first time a host gets TLSA, a negative answer.
                let oldHeldUntil = visible.addingTimeInterval(TimeInterval(c.firstPublication ? (c.negative ?? 0) : c.ttl))
                let newKeyCachedEverywhere = max(oldHeldUntil, visible.addingTimeInterval(TimeInterval(c.ttl)))
                XCTAssertGreaterThanOrEqual(deploy, newKeyCachedEverywhere,
                    "round \(round) host \(index): ttl \(c.ttl) negative \(String(describing: c.negative)) delay \(c.delay)")
                // The old hash goes only after the new key is live, once caches with both expire.
                XCTAssertGreaterThanOrEqual(retire.timeIntervalSince(deploy), TimeInterval(c.ttl))
            }
        }
    }
}
