import XCTest

@testable import LDNSKit

final class NameKeyTests: XCTestCase {
    /// Wire format from labels, leftmost first.
    func wire(_ labels: [[UInt8]]) -> [UInt8] { labels.flatMap { [UInt8($0.count)] + $0 } + [0] }
    func key(_ labels: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        wire(labels).withUnsafeBufferPointer { NameKey.append(wire: $0, to: &out) }
        return out
    }

    func testByteOrderIsTheCanonicalOrderOfRFC4034() {
        // RFC 4034 §6.1's example, in its canonical order.
        let names: [[[UInt8]]] = [
            [Array("example".utf8)],
            [Array("a".utf8), Array("example".utf8)],
            [Array("yljkjljk".utf8), Array("a".utf8), Array("example".utf8)],
            [Array("Z".utf8), Array("a".utf8), Array("example".utf8)],
            [Array("zABC".utf8), Array("a".utf8), Array("EXAMPLE".utf8)],
            [Array("z".utf8), Array("example".utf8)],
            [[1], Array("z".utf8), Array("example".utf8)],
            [Array("*".utf8), Array("z".utf8), Array("example".utf8)],
            [[200], Array("z".utf8), Array("example".utf8)],
        ]
        let keys = names.map(key)
        for (a, b) in zip(keys, keys.dropFirst()) {
            XCTAssertLessThan(
                a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { NameKey.compare(x, $0) } }, 0,
                "\(a) should sort before \(b)")
        }
        // Bytes 0 and 1 inside labels keep their order and never end a label early.
        let zero = key([[0], Array("x".utf8)]), one = key([[1], Array("x".utf8)]), two = key([[2], Array("x".utf8)])
        XCTAssertTrue(zero.lexicographicallyPrecedes(one) && one.lexicographicallyPrecedes(two))
        XCTAssertEqual(zero.withUnsafeBufferPointer(NameKey.labelCount), 2)
    }

    func testKeysRoundTripToWireAndText() {
        let labels: [[UInt8]] = [Array("a.b".utf8), [0, 1, 200], Array("Mail".utf8), Array("example".utf8)]
        let k = key(labels)
        k.withUnsafeBufferPointer { k in
            XCTAssertEqual(
                NameKey.wire(k), wire([Array("a.b".utf8), [0, 1, 200], Array("mail".utf8), Array("example".utf8)]))
            XCTAssertEqual(NameKey.text(k), "a\\.b.\\000\\001\\200.mail.example.")
            XCTAssertEqual(NameKey.labelCount(k), 4)
            XCTAssertFalse(NameKey.isWildcard(k))
        }
        key([Array("*".utf8), Array("example".utf8)]).withUnsafeBufferPointer { XCTAssertTrue(NameKey.isWildcard($0)) }
        key([Array("a*".utf8), Array("example".utf8)]).withUnsafeBufferPointer {
            XCTAssertFalse(NameKey.isWildcard($0))
        }
        [UInt8]().withUnsafeBufferPointer { root in
            XCTAssertEqual(NameKey.text(root), ".")
            XCTAssertEqual(NameKey.wire(root), [0])
            XCTAssertNil(NameKey.parentLength(root))
        }
        let child = key([Array("www".utf8), Array("example".utf8)]), parent = key([Array("example".utf8)])
        child.withUnsafeBufferPointer { c in
            XCTAssertEqual(NameKey.parentLength(c), parent.count)
            parent.withUnsafeBufferPointer { p in
                XCTAssertTrue(NameKey.isAtOrBelow(c, p))
                XCTAssertFalse(NameKey.isAtOrBelow(p, c))
            }
        }
        // "badexample" is not below "example".
        key([Array("badexample".utf8)]).withUnsafeBufferPointer { b in
            parent.withUnsafeBufferPointer { XCTAssertFalse(NameKey.isAtOrBelow(b, $0)) }
        }
    }
}

final class ZoneTextSplitterTests: XCTestCase {
    func pieces(_ text: String, origin: String? = "example.com.", size: Int = 1) -> [ZoneTextSplitter.Piece] {
        Array(text.utf8).withUnsafeBufferPointer { ZoneTextSplitter.pieces(of: $0, origin: origin, targetSize: size) }
    }

    /// A signed zone as danectl (and ldns) write it has no $TTL but a TTL on every line: it
    /// is cut like any other (it used to be parsed whole, on one core, in 2.5 times the
    /// memory); a line without a TTL is never the first of a piece, since ldns would give it
    /// the previous record's TTL.
    func testWithoutTTLDirectiveCutsOnlyBeforeLinesThatStateTheirTTL() {
        let text =
            "a.example.com.\t300\tIN\tA\t192.0.2.1\nb.example.com. IN 600 A 192.0.2.2\nc.example.com. IN A 192.0.2.3\n"
            + "d.example.com. A 192.0.2.4\ne.example.com.\t300\tIN\tA\t192.0.2.5\n"
        XCTAssertEqual(
            pieces(text).map { String(decoding: Array(text.utf8)[$0.start..<$0.end], as: UTF8.self).prefix(1) },
            ["a", "b", "e"])
        XCTAssertTrue(pieces(text).allSatisfy { $0.ttl == nil })
    }

    func testCutsOnlyAtOwnerLinesWithTheDirectivesInForce() {
        let text = """
            $TTL 300
            a IN A 192.0.2.1
              IN A 192.0.2.2
            b IN TXT ( "x"
            c-is-not-an-owner )
            $ORIGIN sub
            c IN TXT "quote ( ; \\" still quoted"
            d IN A 192.0.2.3

            """
        let cuts = pieces(text)
        let starts = cuts.map { String(text.utf8.dropFirst($0.start).prefix(1).map { Character(UnicodeScalar($0)) }) }
        // Not at the line borrowing a's owner, nor inside the parentheses or the quotes.
        XCTAssertEqual(starts, ["$", "a", "b", "c", "d"], "\(cuts)")
        XCTAssertEqual(cuts[1].origin, "example.com.")
        XCTAssertEqual(cuts[2].linesBefore, 3)
        XCTAssertEqual(cuts[3].origin, "sub.example.com.")
        XCTAssertEqual(cuts[3].linesBefore, 6)
        XCTAssertEqual(cuts.map(\.ttl), [nil, "300", "300", "300", "300"])
        // The pieces cover the text exactly.
        XCTAssertEqual(cuts.first?.start, 0)
        XCTAssertEqual(cuts.last?.end, text.utf8.count)
        for (a, b) in zip(cuts, cuts.dropFirst()) { XCTAssertEqual(a.end, b.start) }
    }

    func testNoCutsWithoutTTLOrAfterInclude() {
        XCTAssertEqual(
            pieces("a IN A 192.0.2.1\nb IN A 192.0.2.2\n").count, 1, "implicit TTLs depend on the record before")
        XCTAssertEqual(pieces("$TTL 1\n$INCLUDE other\na IN A 192.0.2.1\nb IN A 192.0.2.2\n").count, 1)
        XCTAssertEqual(
            pieces("$TTL 1\na IN A 192.0.2.1\na IN A 192.0.2.2\n").count, 2, "same owner spelling: no cut between them")
        XCTAssertEqual(
            pieces("$TTL 1\n$ORIGIN rel\na IN A 192.0.2.1\nb IN A 192.0.2.2\n", origin: nil).count, 1,
            "unresolvable origin")
    }
}

final class PresentationTextTests: XCTestCase {
    func text(_ body: (inout [UInt8]) -> Void) -> String {
        var out: [UInt8] = []
        body(&out)
        return String(decoding: out, as: UTF8.self)
    }

    func testEncodingsMatchRFC4648Vectors() {
        for (input, base64, base32hex) in [
            ("", "", ""), ("f", "Zg==", "co"), ("fo", "Zm8=", "cpng"), ("foo", "Zm9v", "cpnmu"),
            ("foob", "Zm9vYg==", "cpnmuog"), ("fooba", "Zm9vYmE=", "cpnmuoj1"),
            ("foobar", "Zm9vYmFy", "cpnmuoj1e8"),
        ] {
            let bytes = Array(input.utf8)
            XCTAssertEqual(
                text { out in bytes.withUnsafeBufferPointer { PresentationText.appendBase64($0, to: &out) } }, base64)
            XCTAssertEqual(
                text { out in bytes.withUnsafeBufferPointer { PresentationText.appendBase32Hex($0, to: &out) } },
                base32hex)
        }
    }

    func testNamesAndStringsAreEscaped() {
        let wire: [UInt8] = [3] + Array("M;x".utf8) + [2, 0x2E, 0xC8] + [7] + Array("Example".utf8) + [0]
        XCTAssertEqual(
            text { out in wire.withUnsafeBufferPointer { PresentationText.appendName(wire: $0, to: &out) } },
            "M\\;x.\\.\\200.Example.")
        XCTAssertEqual(
            text { out in [UInt8]([0]).withUnsafeBufferPointer { PresentationText.appendName(wire: $0, to: &out) } },
            ".")
        let string: [UInt8] = Array("say \"hi\" \\ ".utf8) + [0x09, 0xFF]
        XCTAssertEqual(
            text { out in string.withUnsafeBufferPointer { PresentationText.appendCharacterString($0, to: &out) } },
            "\"say \\\"hi\\\" \\\\ \\009\\255\"")
        XCTAssertEqual(
            text { out in [UInt8]([0x00, 0xAB]).withUnsafeBufferPointer { PresentationText.appendHex($0, to: &out) } },
            "00ab")
    }

    func testTimestampsAndNumbers() {
        XCTAssertEqual(text { PresentationText.appendTimestamp(0, to: &$0) }, "19700101000000")
        XCTAssertEqual(text { PresentationText.appendTimestamp(951_782_400, to: &$0) }, "20000229000000")
        XCTAssertEqual(text { PresentationText.appendTimestamp(1_795_939_199, to: &$0) }, "20261129075959")
        XCTAssertEqual(text { PresentationText.appendTimestamp(UInt32.max, to: &$0) }, "21060207062815")
        XCTAssertEqual(text { PresentationText.appendDecimal(UInt64(0), to: &$0) }, "0")
        XCTAssertEqual(text { PresentationText.appendDecimal(UInt64.max, to: &$0) }, "18446744073709551615")
    }
}
