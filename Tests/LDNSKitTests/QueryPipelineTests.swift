import ByteStreams
import DaneModel
import Foundation
import XCTest

@testable import LDNSKit

/// The pipeline takes an answer only when it answers the question asked: a reply with another
/// message ID or to another question is dropped and the real answer still taken; silence and a
/// truncated answer are handed back to be asked alone. The resolver is a small UDP server
/// on loopback that misbehaves by name.
final class QueryPipelineTests: XCTestCase {
    /// Replies per the question's first label: good (AD set), dropfirst (answers only the
    /// question's second sending, as if the first datagram was lost), wrongid (first a reply with
    /// another ID), otherq (first a reply to another question), silent, tc (truncated). The
    /// replies that must be dropped say NXDOMAIN, so taking one shows in the response code.
    private static let fakeResolver = #"""
        import socket, struct, sys
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1], flush=True)
        def reply(query, ident, question, flags=0x81A0):
            return struct.pack(">HHHHHH", ident, flags, 1, 0, 0, 0) + question
        dropped = set()
        while True:
            query, peer = s.recvfrom(65535)
            ident = struct.unpack(">H", query[:2])[0]
            end = 12
            while query[end] != 0:
                end += 1 + query[end]
            question = query[12:end + 5]
            label = query[13:13 + query[12]].decode()
            if label == "silent":
                continue
            if label == "dropfirst" and ident not in dropped:
                dropped.add(ident)
                continue
            if label == "wrongid":
                s.sendto(reply(query, ident ^ 0x5A5A, question, 0x81A3), peer)
            if label == "otherq":
                s.sendto(reply(query, ident, b"\x05other\x04test\x00" + question[-4:], 0x81A3), peer)
            s.sendto(reply(query, ident, question, 0x83A0 if label == "tc" else 0x81A0), peer)
        """#

    func testOnlyTheAnswerToTheQuestionAskedIsTaken() throws {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        server.arguments = ["-c", Self.fakeResolver]
        let output = Pipe()
        server.standardOutput = output
        try server.run()
        defer { server.terminate() }
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        let port = try XCTUnwrap(UInt16(line.trimmingCharacters(in: .whitespacesAndNewlines)), line)

        let pipeline = try QueryPipeline(address: "127.0.0.1:\(port)", timeout: 2, sockets: 2, resendAfter: 0.3)
        var tickets: [Int: String] = [:]
        for label in ["good", "dropfirst", "wrongid", "otherq", "silent", "tc"] {
            tickets[pipeline.send(DNSName(labels: [label, "test"]), .mx)] = label
        }
        XCTAssertEqual(pipeline.inFlight, 6)
        var outcomes: [String: QueryPipeline.Outcome] = [:]
        let deadline = Deadline.after(10)
        while pipeline.inFlight > 0, !deadline.hasPassed {
            for (ticket, outcome) in pipeline.collect(until: deadline) { outcomes[tickets[ticket]!] = outcome }
        }
        XCTAssertEqual(outcomes.count, 6, "every question settles: \(outcomes.keys.sorted())")
        for label in ["good", "dropfirst", "wrongid", "otherq"] {
            guard case .answered(let response)? = outcomes[label] else {
                XCTFail("\(label): \(String(describing: outcomes[label]))")
                continue
            }
            XCTAssertEqual(response.code, .noError, label)
            XCTAssertTrue(response.authenticated, "\(label): the AD bit is read")
        }
        for label in ["silent", "tc"] {
            guard case .askAlone? = outcomes[label] else {
                XCTFail("\(label) must be asked alone: \(String(describing: outcomes[label]))")
                continue
            }
        }
    }

    /// The pipeline's questions are byte for byte the ones ldns makes (and StubResolver sends):
    /// same header flags, EDNS size and DO bit, for any name and type.
    func testQuestionsAreTheOnesLDNSMakes() throws {
        let pipeline = try QueryPipeline(address: "127.0.0.1:53", timeout: 1, sockets: 1)
        let names = ["example.test", "_25._tcp.mx.example.test", "_mta-sts.d1.provider.test", "xn--bcher-kva.test"]
        for text in names {
            let name = try XCTUnwrap(DNSName(presentation: text))
            for type in [RRType.mx, .tlsa, .dnskey, .txt, .aaaa] {
                let id = UInt16.random(in: 0...UInt16.max)
                let ours = try XCTUnwrap(pipeline.question(name, type, id: id))
                XCTAssertEqual(ours, pipeline.ldnsQuestion(name, type, id: id), "\(text) \(type)")
            }
        }
        let root = DNSName(labels: [])
        XCTAssertEqual(pipeline.question(root, .dnskey, id: 7), pipeline.ldnsQuestion(root, .dnskey, id: 7))
    }

    func testAnAddressThatIsNotOneIsRefused() {
        XCTAssertThrowsError(try QueryPipeline(address: "not-an-address", timeout: 1))
    }
}
