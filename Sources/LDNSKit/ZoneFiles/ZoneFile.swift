internal import CLDNS
import Dispatch
import FoundationEssentials
import Glibc
import OpenSSLKit
internal import WorkSharing

/// A zone file read for signing: its SOA (kept as an ldns record so the serial can move) and
/// every other record packed in canonical form (`PackedRecord`). Signatures and NSEC/NSEC3
/// records already in the file are dropped here: signing makes them anew.
///
/// A large file is cut into pieces (`ZoneTextSplitter`) that ldns parses on every core.
/// Unchecked Sendable: built by one thread, read-only afterwards (signing threads only read).
public final class ZoneFile: @unchecked Sendable {
    let soa: RRPointer
    let store: RecordStore
    /// Every record but the SOA: the file's, then the merged ones.
    private(set) var refs: [UInt64]
    /// The file's RRSIGs by the zone's own name, when parsed with `keepSignatures` (re-signing
    /// keeps those that still verify); empty otherwise.
    let oldSignatures: OldSignatureCollector
    /// The seals on the file's RRSIG lines (`SignatureSeals`), when parsed with `keepSignatures`.
    private(set) var seals: [SignatureSeal.Mark] = []

    /// The zone's name (the SOA owner), lower case with the trailing dot.
    public let origin: String

    private init(
        soa: RRPointer, store: RecordStore, refs: [UInt64], origin: String, oldSignatures: OldSignatureCollector
    ) {
        self.oldSignatures = oldSignatures
        self.soa = soa
        self.store = store
        self.refs = refs
        self.origin = origin
    }

    deinit { ldns_rr_free(soa) }

    static let droppedTypes: Set<UInt16> = [
        UInt16(LDNS_RR_TYPE_RRSIG.rawValue), UInt16(LDNS_RR_TYPE_NSEC.rawValue),
        UInt16(LDNS_RR_TYPE_NSEC3.rawValue), UInt16(LDNS_RR_TYPE_NSEC3PARAM.rawValue),
    ]

    /// Parses a zone file. `origin` is used for relative names when the file has no $ORIGIN.
    public static func parse(
        path: String, origin: String? = nil, keepSignatures: Bool = false,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws(LDNSError) -> ZoneFile {
        let absoluteOrigin = origin.map(DNSSECKey.absolute)
        let expanded = try ZoneIncludes.expand(path: path, origin: absoluteOrigin)
        let text = expanded.text
        // Pieces of about 64 KiB, so that ldns's short-lived records for a piece stay small; one
        // piece when there is no origin to start the others from.
        var soaLines: [Int] = []
        var longData: [(line: Int, bytes: Int)] = []
        let pieces = ZoneTextSplitter.pieces(
            of: text.buffer, origin: absoluteOrigin, targetSize: absoluteOrigin == nil ? Int.max : 64 << 10,
            soaLines: &soaLines, longData: &longData, release: text.release)
        if let long = longData.first {
            let place = expanded.lines.place(ofLine: long.line)
            throw LDNSError(
                "\(place.file):\(place.line): the record's data is \(long.bytes) bytes of text; the zone parser (ldns) keeps at most "
                    + "65,535 and would silently drop the rest: split it (a TXT over several records)",
                line: place.line, file: place.file)
        }
        // One SOA per zone; and ldns must never see three in one piece (it reads freed memory).
        if soaLines.count > 1 {
            let place = expanded.lines.place(ofLine: soaLines[1])
            throw LDNSError(
                "\(place.file):\(place.line): a second SOA record (the first is at line "
                    + "\(expanded.lines.place(ofLine: soaLines[0]).line)); a zone file holds one zone",
                line: place.line, file: place.file)
        }
        let zoneWire = absoluteOrigin.flatMap(canonicalWire)
        let results = Slots<ParsedPiece>(count: pieces.count)
        let workers = max(1, min(threads, pieces.count))
        let next = WorkCounter()
        let watermark = ReleaseWatermark(pieceStarts: pieces.map(\.start), release: text.release)
        let collector = OldSignatureCollector()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let packer = RecordPacker()
            let signerLines = SignerLineReader()
            let signatures = OldSignatureList()
            while let index = next.take(below: pieces.count) {
                let piece = pieces[index]
                results.store(
                    index,
                    parsePiece(
                        piece, of: text.buffer, origin: absoluteOrigin, zoneWire: zoneWire,
                        keepSignatures: keepSignatures, packer: packer, signerLines: signerLines,
                        signatures: signatures)
                )
                collector.take(signatures)
                watermark.finished(index, textEnd: text.count)
            }
        }
        // The first failure in file order is the one to report.
        var soa: RRPointer?
        let store = RecordStore()
        var refs: [UInt64] = []
        var seals: [SignatureSeal.Mark] = []
        refs.reserveCapacity(results.values.reduce(0) { $0 + ($1?.offsets.count ?? 0) })
        defer { results.values.forEach { if let extra = $0?.soa, extra != soa { ldns_rr_free(extra) } } }
        for case let piece? in results.values {
            if let failure = piece.failure {
                soa = nil  // freed with the other pieces' SOAs
                let place = expanded.lines.place(ofLine: failure.line)
                throw LDNSError.status(
                    failure.status, "\(place.file):\(place.line): the zone file does not parse", line: place.line,
                    file: place.file)
            }
            if let extra = piece.soa {
                // One SOA per zone: a second one would be dropped, which changes the zone silently.
                guard soa == nil else {
                    soa = nil  // freed with the other pieces' SOAs
                    throw LDNSError("\(path): the zone has more than one SOA record; a zone file holds one zone")
                }
                soa = extra
            }
            let arena = store.adopt(piece.records)
            refs.append(contentsOf: piece.offsets.lazy.map { RecordStore.ref(arena, $0) })
            seals += piece.seals
        }
        guard let soa else { throw LDNSError("\(path): the zone has no SOA record") }
        // ldns's per-record allocations are all freed by now, but in the worker threads' malloc
        // arenas: hand those pages back before signing starts.
        malloc_trim(0)
        let name = takeString(ldns_rdf2str(ldns_rr_owner(soa))).lowercased()
        let zone = ZoneFile(soa: soa, store: store, refs: refs, origin: name, oldSignatures: collector)
        zone.seals = seals.sorted()
        return zone
    }

    /// One piece parsed: its records packed, its SOA if it has one, or where it failed.
    final class ParsedPiece {
        let records = ByteArena()
        var offsets: [Int] = []
        /// The seals on the piece's RRSIG lines, when signatures are kept.
        var seals: [SignatureSeal.Mark] = []
        var soa: RRPointer?
        var failure: (status: ldns_status, line: Int)?
    }

    private static func parsePiece(
        _ piece: ZoneTextSplitter.Piece, of text: UnsafeBufferPointer<UInt8>, origin: String?, zoneWire: [UInt8]?,
        keepSignatures: Bool, packer: RecordPacker, signerLines: SignerLineReader, signatures: OldSignatureList
    ) -> ParsedPiece {
        let result = ParsedPiece()
        var prefix = ""
        if let origin = piece.origin { prefix += "$ORIGIN \(origin)\n" }
        if let ttl = piece.ttl { prefix += "$TTL \(ttl)\n" }
        var bytes = Array(prefix.utf8)
        bytes.reserveCapacity(bytes.count + piece.end - piece.start)
        copyForLDNS(
            UnsafeBufferPointer(rebasing: text[piece.start..<piece.end]), into: &bytes, reading: signerLines,
            zoneWire: zoneWire, keepSignatures: keepSignatures, signatures: signatures)
        // The seals of the RRSIG lines ldns reads (the fast path keeps its own with each signature).
        if keepSignatures { result.seals = bytes.withUnsafeBufferPointer(SignatureSeals.collect) }
        if bytes.isEmpty { bytes = [0x0A] }
        var line = Int32(piece.linesBefore - (piece.origin == nil ? 0 : 1) - (piece.ttl == nil ? 0 : 1))
        let originName = origin.flatMap { ldns_dname_new_frm_str($0) }
        defer { if let originName { ldns_rdf_deep_free(originName) } }
        var parsed: UnsafeMutablePointer<ldns_zone>?
        let status = bytes.withUnsafeMutableBytes { raw -> ldns_status in
            guard let stream = fmemopen(raw.baseAddress, raw.count, "r") else { return LDNS_STATUS_FILE_ERR }
            defer { fclose(stream) }
            _ = __fsetlocking(stream, Int32(FSETLOCKING_BYCALLER))  // this thread alone reads it
            return ldns_zone_new_frm_fp_l(&parsed, stream, originName, 3600, LDNS_RR_CLASS_IN, &line)
        }
        guard status == LDNS_STATUS_OK, let parsed else {
            result.failure = (status, Int(line))
            return result
        }
        let list = ldns_zone_rrs(parsed)!
        // ldns accepts type and class numbers wider than 16 bits (TYPE2181922) and type 0 (a
        // typo'd mnemonic): neither is a DNS record, so the piece fails here, before packing.
        for i in 0..<ldns_rr_list_rr_count(list) {
            let rr = ldns_rr_list_rr(list, i)!
            let type = ldns_rr_get_type(rr).rawValue, rrclass = ldns_rr_get_class(rr).rawValue
            if type == 0 || type > 65_535 || rrclass > 65_535 {
                result.failure = (
                    type == 0 || type > 65_535 ? LDNS_STATUS_SYNTAX_TYPE_ERR : LDNS_STATUS_SYNTAX_CLASS_ERR, Int(line)
                )
                ldns_zone_deep_free(parsed)
                return result
            }
        }
        result.soa = ldns_zone_soa(parsed)
        result.offsets.reserveCapacity(ldns_rr_list_rr_count(list))
        for i in 0..<ldns_rr_list_rr_count(list) {
            let rr = ldns_rr_list_rr(list, i)!
            let type = UInt16(ldns_rr_get_type(rr).rawValue)
            if !droppedTypes.contains(type) {
                result.offsets.append(result.records.count)
                packer.pack(rr, into: result.records)
            } else if keepSignatures && type == UInt16(LDNS_RR_TYPE_RRSIG.rawValue) {
                packer.keepSignature(rr, in: signatures, zoneWire: zoneWire)
            }
            ldns_rr_free(rr)
        }
        ldns_rr_list_set_rr_count(list, 0)
        ldns_zone_set_soa(parsed, nil)
        ldns_zone_deep_free(parsed)
        result.records.shrinkToFit()
        return result
    }

    /// Copies a piece's text for ldns, reading the signer's lines on the way
    /// (`SignerLineReader`): each line read there becomes an empty line, so ldns's line
    /// numbers stay right. A line is taken only at a record's start and when the line after it
    /// states its own owner and TTL, so no record ldns reads borrows either from a line it did
    /// not see.
    private static func copyForLDNS(
        _ text: UnsafeBufferPointer<UInt8>, into bytes: inout [UInt8], reading signerLines: SignerLineReader,
        zoneWire: [UInt8]?, keepSignatures: Bool, signatures: OldSignatureList
    ) {
        // Without the zone's name, signatures cannot be sorted by signer here: ldns reads them.
        guard let zoneWire else {
            bytes.append(contentsOf: text)
            return
        }
        guard let base = text.baseAddress else { return }
        let end = text.count
        var depth = 0
        var start = 0
        while start < end {
            let lineEnd =
                memchr(base + start, 0x0A, end - start).map {
                    base.distance(to: $0.assumingMemoryBound(to: UInt8.self))
                }
                ?? end
            let line = UnsafeBufferPointer(rebasing: text[start..<lineEnd])
            if depth == 0, startsOwnerAndTTL(text, at: start),
                lineEnd + 1 >= end || startsOwnerAndTTL(text, at: lineEnd + 1),
                signerLines.read(line, keepingIn: keepSignatures ? signatures : nil, zone: zoneWire) != nil
            {
                if lineEnd < end { bytes.append(0x0A) }
            } else {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<min(lineEnd + 1, end)]))
                depth = parenthesesDepth(after: line, from: depth)
            }
            start = lineEnd + 1
        }
    }

    /// A name's canonical wire format (lower case), through ldns.
    private static func canonicalWire(_ name: String) -> [UInt8]? {
        guard let rdf = ldns_dname_new_frm_str(name) else { return nil }
        defer { ldns_rdf_deep_free(rdf) }
        ldns_dname2canonical(rdf)
        return Array(UnsafeBufferPointer(start: ldns_rdf_data(rdf), count: ldns_rdf_size(rdf)))
    }

    /// Whether the line at `at` begins with an owner, blanks and a digit (its TTL).
    private static func startsOwnerAndTTL(_ text: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
        guard start < text.count else { return false }
        switch text[start] {
        case 0x20, 0x09, 0x0D, 0x0A, UInt8(ascii: ";"), UInt8(ascii: "$"), UInt8(ascii: "("): return false
        default: break
        }
        var i = start
        while i < text.count, text[i] != 0x20, text[i] != 0x09, text[i] != 0x0A { i += 1 }
        let blanks = i
        while i < text.count, text[i] == 0x20 || text[i] == 0x09 { i += 1 }
        return i > blanks && i < text.count && text[i] >= UInt8(ascii: "0") && text[i] <= UInt8(ascii: "9")
    }

    /// The parenthesis depth after `line`, as ldns counts it: not inside quotes (which end at
    /// the line's end) or after a comment's semicolon; a backslash escapes the next byte.
    private static func parenthesesDepth(after line: UnsafeBufferPointer<UInt8>, from depth: Int) -> Int {
        var depth = depth
        var inQuote = false
        var i = 0
        while i < line.count {
            let c = line[i]
            i += 1
            if c == UInt8(ascii: "\\") {
                i += 1
            } else if inQuote {
                if c == UInt8(ascii: "\"") { inQuote = false }
            } else if c == UInt8(ascii: "\"") {
                inQuote = true
            } else if c == UInt8(ascii: "(") {
                depth += 1
            } else if c == UInt8(ascii: ")") {
                depth = max(0, depth - 1)
            } else if c == UInt8(ascii: ";") {
                break
            }
        }
        return depth
    }

    public var serial: UInt32 {
        get { ldns_rdf2native_int32(ldns_rr_rdf(soa, 2)) }
        set {
            let old = ldns_rr_set_rdf(soa, ldns_native2rdf_int32(LDNS_RDF_TYPE_INT32, newValue), 2)
            if let old { ldns_rdf_deep_free(old) }
        }
    }

    /// Replaces every RRset that `records` has (same owner and type) with `records`' version,
    /// and adds the rest, so that re-merging generated records never piles them up. Each record
    /// comes with the place it came from; errors name that place and never quote the text (an
    /// included file may be anything, a private key among them).
    public func replaceRRsets(with records: [(text: String, place: String)]) throws(LDNSError) {
        var incoming: [RRPointer] = []
        defer { incoming.forEach { ldns_rr_free($0) } }
        let apex = ldns_rr_owner(soa)
        for (text, place) in records {
            var parsed: RRPointer?
            let status = ldns_rr_new_frm_str(&parsed, text, 3600, apex, nil)
            guard status == LDNS_STATUS_OK, let parsed else {
                throw LDNSError.status(status, "\(place): not a resource record")
            }
            incoming.append(parsed)
            guard
                ldns_dname_is_subdomain(ldns_rr_owner(parsed), apex) != 0
                    || ldns_dname_compare(ldns_rr_owner(parsed), apex) == 0
            else {
                throw LDNSError("\(place): the record's owner is outside zone \(origin)")
            }
        }
        let packer = RecordPacker()
        let arena = store.adopt(ByteArena())
        let merged = incoming.map { rr in store.append(to: arena) { packer.pack(rr, into: $0) } }
        func rrset(_ ref: UInt64) -> [UInt8] {
            let record = store.record(ref)
            return Array(record.key) + [UInt8(record.type >> 8), UInt8(record.type & 0xFF)]
        }
        let replaced = Set(merged.map(rrset))
        refs = refs.filter { !replaced.contains(rrset($0)) } + merged
    }

    /// The largest zone file `sign` reads (mapped, and given back as it is parsed): 4 GiB, about
    /// 40 million records.
    public static let maximumSize = 4 << 30

    /// Reads a file whole: a regular file is mapped (`ZoneText`), anything that says it is
    /// empty (a /proc file) is read to its end. Regular files only: a FIFO would block forever
    /// and /dev/zero never ends.
    static func readWholeFile(_ path: String) throws(LDNSError) -> ZoneText {
        // O_NONBLOCK so that opening a FIFO cannot hang before we can look at what it is.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw LDNSError("\(path): cannot read the zone file: \(String(cString: strerror(errno)))", unreadable: true)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw LDNSError(
                "\(path): not a regular file (a zone file must be a plain file, not a folder, device or pipe)",
                unreadable: true)
        }
        guard info.st_size <= maximumSize else {
            throw LDNSError(
                "\(path): \(info.st_size) bytes is more than the \(maximumSize >> 30) GiB danectl signs in one piece")
        }
        _ = fcntl(fd, F_SETFL, 0)
        if info.st_size > 0, let mapped = ZoneText(mapping: fd, size: Int(info.st_size)) { return mapped }
        var bytes = [UInt8](repeating: 0, count: 1 << 16)
        var count = 0
        while true {
            if count == bytes.count { bytes += [UInt8](repeating: 0, count: bytes.count) }
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw LDNSError("\(path): cannot read the zone file: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            count += n
            // Files that claim size 0 (/proc) are read to their end: not past the limit.
            guard count <= maximumSize else {
                throw LDNSError("\(path): more than the \(maximumSize >> 30) GiB danectl signs in one piece")
            }
        }
        bytes.removeLast(bytes.count - count)
        return ZoneText(bytes)
    }
}
