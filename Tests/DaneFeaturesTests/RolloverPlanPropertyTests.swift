import DaneFeatures
import DaneModel
import DaneSpec
import Foundation
import XCTest

/// A property of every plan: no step lets an MX serve a key that some resolver's cache may
/// lack. Resolvers may hold what they saw just before the next hash became visible (the old
/// set for its TTL, or, for a host's first TLSA, a "no such record" answer for the negative
/// TTL); the plan's deploy time must come after all of that, and the old hash may go only
/// after caches of the set with both have turned over. Random TTLs, negative TTLs, publishing
/// delays, evidence or none, several hosts; the plans come from the planner itself.
final class RolloverPlanPropertyTests: XCTestCase {
    func testNoPlanStrandsAServedKey() throws {
        let fixture = try RolloverFixture()
        // A second key in service, for hosts that serve two certificates (RSA and ECDSA, say).
        _ = try RolloverFixture.shell(
            "openssl genpkey -algorithm ED25519 -out second.key 2>/dev/null && openssl pkey -in second.key -pubout -out second.pub",
            in: fixture.folder)
        var generator = SystemRandomNumberGenerator()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        for round in 0..<150 {
            let hosts = Int.random(in: 1...4, using: &generator)
            let yaml =
                "ttl: 300\nhosts:\n"
                + (1...hosts).map {
                    "  - {host: mx\($0).example.test, key: \(Bool.random(using: &generator) ? "[current.pub, second.pub]" : "current.pub"), next: next.pub, ttl: \(Int.random(in: 1...86_400, using: &generator))}\n"
                }.joined()
                + "domains:\n  - {domain: example.test, mx: ["
                + (1...hosts).map { "{host: mx\($0).example.test, priority: \($0)}" }.joined(separator: ", ") + "]}\n"
            let path = fixture.folder + "/plan-\(round).yaml"
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            let description = try DescriptionLoader.load(path: path)
            var live: [DNSName: RolloverTimings] = [:]
            var evidence = RolloverEvidence()
            var seen: [DNSName: Date] = [:]
            for host in description.hosts {
                if Bool.random(using: &generator) {
                    live[host.host] = RolloverTimings(
                        tlsaTTL: UInt32.random(in: 1...86_400, using: &generator),
                        negativeTTL: Bool.random(using: &generator)
                            ? UInt32.random(in: 0...86_400, using: &generator) : nil)
                }
                if Bool.random(using: &generator) {
                    let at = now.addingTimeInterval(-TimeInterval(Int.random(in: 0...200_000, using: &generator)))
                    evidence.sawPublished(host.endpoint, [fixture.next], at: at)
                    seen[host.host] = at
                }
            }
            let delay = TimeInterval(Int.random(in: 0...3_600, using: &generator))
            let steps = try RolloverPlanner(now: now, publishDelay: delay).plan(
                description, hosts: description.hosts, evidence: evidence
            ) { live[$0.host] }
            XCTAssertEqual(steps.count, 4 * hosts)
            for host in description.hosts {
                let mine = steps.filter { $0.host == host.host.fqdn }
                let deploy = try XCTUnwrap(mine.first { $0.action == .deploy }).earliest
                let retire = try XCTUnwrap(mine.first { $0.action == .retireOld }).earliest
                let timings = live[host.host] ?? RolloverTimings(tlsaTTL: host.ttl, negativeTTL: nil)
                // When resolvers can first see the next hash: its recorded sighting, or once the
                // pipeline has published it.
                let visible = seen[host.host] ?? now.addingTimeInterval(delay)
                let heldOld = TimeInterval(timings.tlsaTTL), heldNegative = TimeInterval(timings.negativeTTL ?? 0)
                let label =
                    "round \(round) \(host.host): ttl \(timings.tlsaTTL) negative \(String(describing: timings.negativeTTL)) delay \(delay)"
                XCTAssertGreaterThanOrEqual(deploy, visible.addingTimeInterval(max(heldOld, heldNegative)), label)
                XCTAssertGreaterThanOrEqual(deploy, now, "\(label): never in the past")
                XCTAssertGreaterThanOrEqual(
                    retire.timeIntervalSince(deploy), heldOld,
                    "\(label): the old hash outlives caches of the set with both")
            }
        }
    }
}
