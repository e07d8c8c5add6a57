import Glibc

/// Growable bytes managed by hand, so that every signing thread can read a zone through one
/// stable pointer (no copy-on-write, no exclusivity checks in the hot loop).
/// Unchecked Sendable: one thread appends while a piece is parsed; afterwards it is only read.
final class ByteArena: @unchecked Sendable {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 64)
        base = malloc(self.capacity)!.assumingMemoryBound(to: UInt8.self)
    }

    deinit { free(base) }

    func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        while count + extra > capacity { capacity *= 2 }
        base = realloc(base, capacity)!.assumingMemoryBound(to: UInt8.self)
    }

    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count > 0 else { return }
        reserve(bytes.count)
        memcpy(base + count, bytes.baseAddress!, bytes.count)
        count += bytes.count
    }

    /// Gives back the room it has not used (it keeps growing if appended to again).
    func shrinkToFit() {
        guard capacity > max(count, 64) else { return }
        capacity = max(count, 64)
        base = realloc(base, capacity)!.assumingMemoryBound(to: UInt8.self)
    }

    /// Empties the arena, keeping its memory.
    func removeAll() { count = 0 }

    func appendU16(_ value: UInt16) {
        reserve(2)
        base[count] = UInt8(value >> 8)
        base[count + 1] = UInt8(value & 0xFF)
        count += 2
    }

    func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    /// A 64-bit value in this machine's byte order (for indexes read back as typed memory).
    func appendU64Native(_ value: UInt64) {
        reserve(8)
        (UnsafeMutableRawPointer(base) + count).storeBytes(of: value, as: UInt64.self)
        count += 8
    }

    func appendU64(_ value: UInt64) {
        appendU32(UInt32(value >> 32))
        appendU32(UInt32(value & 0xFFFF_FFFF))
    }

    func appendU32(_ value: UInt32) {
        reserve(4)
        for shift in [24, 16, 8, 0] { base[count] = UInt8((value >> UInt32(shift)) & 0xFF); count += 1 }
    }
}

@inline(__always) func readU16(_ p: UnsafePointer<UInt8>) -> UInt16 { UInt16(p[0]) << 8 | UInt16(p[1]) }
@inline(__always) func readU64(_ p: UnsafePointer<UInt8>) -> UInt64 {
    UInt64(readU32(p)) << 32 | UInt64(readU32(p + 4))
}
@inline(__always) func readU32(_ p: UnsafePointer<UInt8>) -> UInt32 {
    UInt32(p[0]) << 24 | UInt32(p[1]) << 16 | UInt32(p[2]) << 8 | UInt32(p[3])
}

/// One record as the signer keeps it, packed in a `ByteArena`:
/// `[key length u16][name key][type u16][class u16][TTL u32][rdata length u16][canonical rdata]
/// [text length u32][rdata in presentation format]`. The canonical rdata (RFC 4034 §6.2) is
/// what gets signed; the text is what gets printed.
struct PackedRecord {
    let key: UnsafeBufferPointer<UInt8>
    let type: UInt16
    let rrclass: UInt16
    let ttl: UInt32
    let rdata: UnsafeBufferPointer<UInt8>
    let text: UnsafeBufferPointer<UInt8>

    init(at base: UnsafePointer<UInt8>) {
        let keyLength = Int(readU16(base))
        key = UnsafeBufferPointer(start: base + 2, count: keyLength)
        var p = base + 2 + keyLength
        type = readU16(p)
        rrclass = readU16(p + 2)
        ttl = readU32(p + 4)
        let rdataLength = Int(readU16(p + 8))
        rdata = UnsafeBufferPointer(start: p + 10, count: rdataLength)
        p += 10 + rdataLength
        let textLength = Int(readU32(p))
        text = UnsafeBufferPointer(start: p + 4, count: textLength)
    }

    static func append(
        key: UnsafeBufferPointer<UInt8>, type: UInt16, rrclass: UInt16, ttl: UInt32,
        rdata: UnsafeBufferPointer<UInt8>, text: UnsafeBufferPointer<UInt8>, to arena: ByteArena
    ) {
        arena.reserve(2 + key.count + 10 + rdata.count + 4 + text.count)
        arena.appendU16(UInt16(key.count))
        arena.append(key)
        arena.appendU16(type)
        arena.appendU16(rrclass)
        arena.appendU32(ttl)
        arena.appendU16(UInt16(rdata.count))
        arena.append(rdata)
        arena.appendU32(UInt32(text.count))
        arena.append(text)
    }

    /// Canonical RR order inside a zone: name, then type, then rdata (RFC 4034 §6.1, §6.3).
    static func compare(_ a: PackedRecord, _ b: PackedRecord) -> Int32 {
        let byName = NameKey.compare(a.key, b.key)
        if byName != 0 { return byName }
        if a.type != b.type { return a.type < b.type ? -1 : 1 }
        return NameKey.compare(a.rdata, b.rdata)
    }
}

/// Packed records spread over several arenas (one per parsed piece of the zone file, one for
/// what the signer adds), addressed by 64-bit references (arena << 40 | offset), so that the
/// pieces never have to be copied together.
/// Unchecked Sendable: arenas are added before signing starts; signing threads only read.
final class RecordStore: @unchecked Sendable {
    private var arenas: [ByteArena] = []
    private var bases: [UnsafeMutablePointer<UInt8>] = []

    /// Takes `arena` in; returns its number.
    func adopt(_ arena: ByteArena) -> Int {
        arenas.append(arena)
        bases.append(arena.base)
        return arenas.count - 1
    }

    static func ref(_ arena: Int, _ offset: Int) -> UInt64 { UInt64(arena) << 40 | UInt64(offset) }

    @inline(__always) func record(_ ref: UInt64) -> PackedRecord {
        PackedRecord(at: bases[Int(ref >> 40)] + Int(ref & 0xFF_FFFF_FFFF))
    }

    /// Appends one record to arena `index` through `write`; its reference.
    func append(to index: Int, _ write: (ByteArena) -> Void) -> UInt64 {
        let offset = arenas[index].count
        write(arenas[index])
        bases[index] = arenas[index].base  // growing may have moved it
        return Self.ref(index, offset)
    }
}
