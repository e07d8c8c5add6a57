internal import CLDNS
import OpenSSLKit

/// Reads, without ldns, the lines a signer wrote: RRSIG, NSEC, NSEC3 and NSEC3PARAM records on
/// one line with an absolute owner, a TTL in seconds and class IN (as danectl,
/// `dnssec-signzone -O full` and `ldns-signzone` print them). A signed zone is two thirds such
/// lines, and ldns's general parser spent most of a re-sign's time on them.
///
/// The path is narrow on purpose: a relative owner, an escape, parentheses or quotes, a TTL
/// with units, a mnemonic algorithm, a timestamp in seconds, anything unexpected sends the
/// line to ldns as before. What it does read it reads exactly as ldns does (the tests hold the
/// two equal, field by field, on signed zones and on edge cases).
/// One per parsing thread (it keeps scratch space and a small cache of type names).
final class SignerLineReader {
    /// What a line turned out to be.
    enum Kind {
        /// NSEC, NSEC3 or NSEC3PARAM: dropped (the signer makes the denial chain anew).
        case denial
        /// RRSIG: added to the old signatures when they are kept.
        case signature
    }

    private var owner: [UInt8] = []
    private var signer: [UInt8] = []
    private var rdata: [UInt8] = []
    private var typeNames: [TypeName] = []

    private struct TypeName {
        let name: [UInt8]
        let type: UInt16
    }

    /// Reads one line (without its newline); nil when it is not in the plain form (ldns reads
    /// it then). With `signatures`, an RRSIG made by `zone` (canonical wire format) is added
    /// there; other signers' RRSIGs could never be kept.
    func read(_ line: UnsafeBufferPointer<UInt8>, keepingIn signatures: OldSignatureList?, zone: [UInt8]) -> Kind? {
        var cursor = Cursor(line)
        guard Self.name(cursor.token(), into: &owner),
            cursor.skipBlanks(), Self.decimal(cursor.token(), maximum: 2_147_483_647) != nil,
            cursor.skipBlanks(), Self.equalsIgnoringCase(cursor.token(), "IN"),
            cursor.skipBlanks()
        else { return nil }
        let type = cursor.token()
        let denials: [(StaticString, Denial)] = [("NSEC", .nsec), ("NSEC3", .nsec3), ("NSEC3PARAM", .nsec3param)]
        for (name, fields) in denials
        where Self.equalsIgnoringCase(type, name) {
            return cursor.skipBlanks() && wellFormed(fields, &cursor) ? .denial : nil
        }
        guard Self.equalsIgnoringCase(type, "RRSIG") else { return nil }
        rdata.removeAll(keepingCapacity: true)
        guard cursor.skipBlanks(), let covered = typeNumber(cursor.token()),
            cursor.skipBlanks(), let algorithm = Self.decimal(cursor.token(), maximum: 255),
            cursor.skipBlanks(), let labels = Self.decimal(cursor.token(), maximum: 255),
            cursor.skipBlanks(), let originalTTL = Self.decimal(cursor.token(), maximum: 4_294_967_295),
            cursor.skipBlanks(), let expiration = Self.timestamp(cursor.token()),
            cursor.skipBlanks(), let inception = Self.timestamp(cursor.token()),
            cursor.skipBlanks(), let keyTag = Self.decimal(cursor.token(), maximum: 65_535),
            cursor.skipBlanks(), Self.name(cursor.token(), into: &signer),
            cursor.skipBlanks()
        else { return nil }
        Self.appendU16(covered, to: &rdata)
        rdata.append(UInt8(algorithm))
        rdata.append(UInt8(labels))
        Self.appendU32(UInt32(originalTTL), to: &rdata)
        Self.appendU32(expiration, to: &rdata)
        Self.appendU32(inception, to: &rdata)
        Self.appendU16(UInt16(keyTag), to: &rdata)
        rdata += signer
        let signatureStart = rdata.count
        guard Self.base64(cursor.token(), into: &rdata), rdata.count > signatureStart, cursor.atEndOrComment() else {
            return nil
        }
        if let signatures, signer == zone {
            let seal = cursor.seal()
            owner.withUnsafeBufferPointer { owner in
                rdata.withUnsafeBufferPointer {
                    signatures.add(ownerWire: owner, rdata: $0, signerLength: zone.count, seal: seal)
                }
            }
        }
        return .signature
    }

    /// The same record as ldns reads it (the tests compare the two): owner in canonical wire
    /// format and canonical rdata, for an RRSIG line this reader takes.
    func readForComparison(_ line: UnsafeBufferPointer<UInt8>) -> (owner: [UInt8], rdata: [UInt8])? {
        guard case .signature = read(line, keepingIn: nil, zone: []) else { return nil }
        return (owner, rdata)
    }

    // MARK: Fields

    private enum Denial { case nsec, nsec3, nsec3param }

    /// A denial record's data, checked field by field as ldns parses it (RFC 4034 §4.2,
    /// RFC 5155 §3.3 and §4.3), so that a malformed one still reaches ldns and its error with
    /// the line's place; a well-formed one is dropped unread past this.
    private func wellFormed(_ denial: Denial, _ cursor: inout Cursor) -> Bool {
        var fields: [UnsafeBufferPointer<UInt8>] = []
        while true {
            let field = cursor.token()
            guard !field.isEmpty else { break }
            fields.append(field)
            guard cursor.skipBlanks() else { break }
        }
        guard cursor.atEndOrComment() else { return false }
        func types(from index: Int) -> Bool { fields.dropFirst(index).allSatisfy { typeNumber($0) != nil } }
        func salt(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
            field.elementsEqual([UInt8(ascii: "-")])
                || field.count % 2 == 0 && field.count <= 510 && field.allSatisfy { Self.isHex($0) }
        }
        func parameters() -> Bool {
            Self.decimal(fields[0], maximum: 255) != nil && Self.decimal(fields[1], maximum: 255) != nil
                && Self.decimal(fields[2], maximum: 65_535) != nil && salt(fields[3])
        }
        switch denial {
        case .nsec:
            return !fields.isEmpty && Self.name(fields[0], into: &signer) && types(from: 1)
        case .nsec3:
            return fields.count >= 5 && parameters() && !fields[4].isEmpty
                && fields[4].allSatisfy { Self.isBase32Hex($0) } && types(from: 5)
        case .nsec3param:
            return fields.count == 4 && parameters()
        }
    }

    private static func isHex(_ byte: UInt8) -> Bool {
        switch byte | 0x20 {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): true
        default: false
        }
    }

    /// RFC 4648's extended-hex alphabet, either case (NSEC3 next hashed owner names).
    private static func isBase32Hex(_ byte: UInt8) -> Bool {
        switch byte | 0x20 {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "v"): true
        default: false
        }
    }

    /// A type mnemonic (or TYPEnnn) as ldns knows it; nil for one it does not.
    private func typeNumber(_ token: UnsafeBufferPointer<UInt8>) -> UInt16? {
        guard !token.isEmpty, token.count < 32 else { return nil }
        for known in typeNames where known.name.elementsEqual(token) { return known.type }
        let name = String(decoding: token, as: UTF8.self)
        let type = ldns_get_rr_type_by_name(name).rawValue
        guard type > 0, type <= 65_535 else { return nil }
        if typeNames.count < 64 { typeNames.append(TypeName(name: Array(token), type: UInt16(type))) }
        return UInt16(type)
    }

    /// An absolute name of letters, digits, `-`, `_` and `*` as lower-case wire format.
    static func name(_ token: UnsafeBufferPointer<UInt8>, into wire: inout [UInt8]) -> Bool {
        wire.removeAll(keepingCapacity: true)
        guard let last = token.last, last == UInt8(ascii: ".") else { return false }
        if token.count == 1 {
            wire.append(0)
            return true
        }
        var labelStart = 0
        wire.append(0)
        for byte in token {
            if byte == UInt8(ascii: ".") {
                let length = wire.count - labelStart - 1
                guard length > 0, length <= 63 else { return false }
                wire[labelStart] = UInt8(length)
                labelStart = wire.count
                wire.append(0)
                continue
            }
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"),
                UInt8(ascii: "_"), UInt8(ascii: "*"):
                wire.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                wire.append(byte + 32)
            default:
                return false
            }
        }
        return wire.count <= 255
    }

    /// Plain decimal digits (no sign, no units), at most `maximum`.
    static func decimal(_ token: UnsafeBufferPointer<UInt8>, maximum: UInt64) -> UInt64? {
        guard !token.isEmpty, token.count <= 10 else { return nil }
        var value: UInt64 = 0
        for byte in token {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
        }
        return value <= maximum ? value : nil
    }

    /// YYYYMMDDHHmmSS (RFC 4034 §3.2) as ldns reads it: fields range-checked the way ldns does
    /// (a 31st of February counts on into March), seconds since 1970 modulo 2^32.
    static func timestamp(_ token: UnsafeBufferPointer<UInt8>) -> UInt32? {
        guard token.count == 14, token.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        func field(_ from: Int, _ length: Int) -> Int {
            token[from..<from + length].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }
        let (year, month, day) = (field(0, 4), field(4, 2), field(6, 2))
        let (hour, minute, second) = (field(8, 2), field(10, 2), field(12, 2))
        guard year >= 1970, (1...12).contains(month), (1...31).contains(day), hour <= 23, minute <= 59, second <= 59
        else { return nil }
        func isLeap(_ y: Int) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }
        func leapsBefore(_ y: Int) -> Int { (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400 }
        let monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        var days = 365 * (year - 1970) + leapsBefore(year) - leapsBefore(1970)
        days += monthDays[0..<(month - 1)].reduce(0, +)
        if month > 2 && isLeap(year) { days += 1 }
        days += day - 1
        let seconds = ((days * 24 + hour) * 60 + minute) * 60 + second
        return UInt32(truncatingIfNeeded: seconds)
    }

    /// One token of padded base64, decoded onto `out`.
    static func base64(_ token: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) -> Bool {
        guard !token.isEmpty, token.count % 4 == 0 else { return false }
        var index = 0
        while index < token.count {
            let a = base64Values[Int(token[index])], b = base64Values[Int(token[index + 1])]
            let c = base64Values[Int(token[index + 2])], d = base64Values[Int(token[index + 3])]
            index += 4
            guard a < 64, b < 64 else { return false }
            if c < 64 && d < 64 {
                let quad = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                out.append(UInt8(quad >> 16))
                out.append(UInt8((quad >> 8) & 0xFF))
                out.append(UInt8(quad & 0xFF))
                continue
            }
            // Padding: only in the last quad, as "x=" or "==", and the bits past the last whole
            // byte must be zero, as ldns (BIND's decoder) insists.
            guard index == token.count, d == 64 else { return false }
            if c == 64 {
                guard b & 0x0F == 0 else { return false }
                out.append(a << 2 | b >> 4)
            } else {
                guard c < 64, c & 0x03 == 0 else { return false }
                out.append(a << 2 | b >> 4)
                out.append((b & 0x0F) << 4 | c >> 2)
            }
        }
        return true
    }

    /// Each byte's base64 value; 64 for the pad `=`, 255 for a byte that is not base64.
    private static let base64Values: [UInt8] = {
        var values = [UInt8](repeating: 255, count: 256)
        for (value, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            values[Int(byte)] = UInt8(value)
        }
        values[Int(UInt8(ascii: "="))] = 64
        return values
    }()

    static func equalsIgnoringCase(_ token: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        guard token.count == word.utf8CodeUnitCount else { return false }
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for (a, b) in zip(token, expected) where (a | 0x20) != (b | 0x20) { return false }
        return true
    }

    private static func appendU16(_ value: UInt16, to out: inout [UInt8]) {
        out.append(UInt8(value >> 8))
        out.append(UInt8(value & 0xFF))
    }

    private static func appendU32(_ value: UInt32, to out: inout [UInt8]) {
        for shift in [24, 16, 8, 0] as [UInt32] { out.append(UInt8((value >> shift) & 0xFF)) }
    }

    /// Walks one line's tokens: runs of bytes between blanks.
    struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0

        init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

        /// The token here (empty at the end or at a comment); a token may not hold a
        /// parenthesis, a quote, an escape or a semicolon.
        mutating func token() -> UnsafeBufferPointer<UInt8> {
            let start = at
            while at < bytes.count, !Self.isBlank(bytes[at]) {
                switch bytes[at] {
                case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\""), UInt8(ascii: "\\"),
                    UInt8(ascii: ";"), 0x0D:
                    return UnsafeBufferPointer(rebasing: bytes[start..<start])
                default: at += 1
                }
            }
            return UnsafeBufferPointer(rebasing: bytes[start..<at])
        }

        /// Skips blanks; false if none were there (tokens must be apart).
        mutating func skipBlanks() -> Bool {
            let start = at
            while at < bytes.count, Self.isBlank(bytes[at]) { at += 1 }
            return at > start && at < bytes.count
        }

        /// Nothing left but blanks and perhaps a comment.
        mutating func atEndOrComment() -> Bool {
            while at < bytes.count, Self.isBlank(bytes[at]) { at += 1 }
            return at == bytes.count || bytes[at] == UInt8(ascii: ";")
        }

        /// The seal in the comment here (`SignatureSeals`), if that is what it holds.
        func seal() -> SignatureSeal.Mark? {
            let marker = SignatureSeals.marker.dropFirst()  // "; danectl-seal "
            guard bytes.count - at >= marker.count + 32, bytes[at..<at + marker.count].elementsEqual(marker) else {
                return nil
            }
            return SignatureSeals.mark(in: bytes, at: at + marker.count)
        }
    }
}

extension SignerLineReader {
    /// The same line as ldns reads it, made canonical the way the zone parser does (owner in
    /// wire format, RRSIG rdata): the reference the tests hold the fast path to.
    static func readWithLDNS(_ line: String) -> (owner: [UInt8], rdata: [UInt8])? {
        var parsed: RRPointer?
        guard ldns_rr_new_frm_str(&parsed, line, 3600, nil, nil) == LDNS_STATUS_OK, let parsed else { return nil }
        defer { ldns_rr_free(parsed) }
        guard ldns_rr_get_type(parsed) == LDNS_RR_TYPE_RRSIG else { return nil }
        let arena = ByteArena()
        RecordPacker().pack(parsed, into: arena, withText: false)
        let record = PackedRecord(at: arena.base)
        return (NameKey.wire(record.key), Array(record.rdata))
    }
}
