internal import CLDNS
import Dispatch
import FileKit
import FoundationEssentials
import Glibc
import Synchronization
import ThreadKit
internal import WorkSharing

/// A zone ready to be signed and written: `write(to:)` makes the signatures and streams the text.
/// Unchecked Sendable: `write(to:)` is called from one thread at a time; its workers only read
/// the layout and report through `OrderedOutput`, which locks.
public final class SignedZone: @unchecked Sendable {
    let layout: ZoneLayout
    let keys: [DNSSECKey]
    let options: SigningOptions
    /// RRsets that get signatures (NSEC/NSEC3 records included) and the signatures they get.
    public let rrsets: Int
    public let signatures: Int
    /// RRsets whose records had different TTLs (published with one TTL): the first few, and
    /// how many in all.
    public var mixedTTLs: (examples: [String], count: Int) { (layout.mixedTTLs, layout.mixedTTLCount) }
    /// Why the last `write` failed, when it was not the output's fault.
    public private(set) var failure: String?
    /// The zone's existing signatures that may be kept (re-signing), if any.
    let old: OldSignatures?
    /// How many of those the last `write` kept.
    public private(set) var kept = 0
    /// How many of the kept ones were proven by their seal (`SignatureSeal`) instead of verified.
    public private(set) var keptBySeal = 0

    init(
        layout: ZoneLayout, keys: [DNSSECKey], options: SigningOptions, rrsets: Int, signatures: Int,
        old: OldSignatures? = nil
    ) {
        self.old = old
        self.layout = layout
        self.keys = keys
        self.options = options
        self.rrsets = rrsets
        self.signatures = signatures
    }

    /// The whole signed zone as text (for small zones and tests).
    public var text: String {
        var collected: [UInt8] = []
        _ = stream {
            collected.append(contentsOf: $0); return true
        }
        return String(decoding: collected, as: UTF8.self)
    }

    /// Signs and writes the zone to an open file descriptor; false (with errno set, or
    /// `failure` saying why) if that failed.
    public func write(to fd: Int32) -> Bool {
        stream { bytes in bytes.isEmpty || Descriptors.writeAll(UnsafeRawBufferPointer(bytes), to: fd) }
    }

    /// Names are handed out in blocks; each thread signs and prints a block into its own
    /// buffer, and blocks reach `sink` in zone order.
    private func stream(_ sink: @escaping (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        failure = nil
        let names = layout.names.count
        let blockSize = max(64, min(256, names / (options.threads * 16) + 1))
        // Block buffers are a few hundred KiB; `danectl sign` puts such blocks in their own
        // mappings (MemoryTuning) so each goes back to the system when written.
        let blocks = (names + blockSize - 1) / blockSize
        let threads = max(1, min(options.threads, blocks))
        let typeNames = PresentationText.typeNames(for: Set(layout.rrsets.map(\.type)))
        let output = OrderedOutput(sink: sink)
        let next = WorkCounter()
        let keptCount = KeptCounter()
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            guard let signers = ThreadSigners(keys) else {
                output.fail("OpenSSL cannot sign with these keys")
                return
            }
            let worker = BlockSigner(layout: layout, signers: signers, options: options, typeNames: typeNames, old: old)
            defer { keptCount.add(worker.kept, bySeal: worker.keptBySeal) }
            var buffer: [UInt8] = []
            while !output.failed, let block = next.take(below: blocks) {
                buffer.removeAll(keepingCapacity: true)
                guard worker.emit(names: block * blockSize..<min(names, (block + 1) * blockSize), to: &buffer) else {
                    output.fail("a signature could not be made (OpenSSL refused the key)")
                    return
                }
                output.deliver(block, &buffer)
            }
        }
        failure = output.reason
        (kept, keptBySeal) = keptCount.total
        return !output.failed
    }
}

/// Sums the threads' kept-signature counts.
final class KeptCounter: Sendable {
    private let sum = Mutex((kept: 0, bySeal: 0))
    var total: (kept: Int, bySeal: Int) { sum.withLock { $0 } }
    func add(_ count: Int, bySeal: Int) {
        sum.withLock {
            $0.kept += count
            $0.bySeal += bySeal
        }
    }
}

/// Puts blocks finished out of order back in order on their way to the sink.
/// Unchecked Sendable: every field is read and written under `lock`.
final class OrderedOutput: @unchecked Sendable {
    private let lock = Lock()
    private let sink: (UnsafeBufferPointer<UInt8>) -> Bool
    private var pending: [Int: [UInt8]] = [:]
    private var nextBlock = 0
    private(set) var reason: String?
    private var stopped = false

    init(sink: @escaping (UnsafeBufferPointer<UInt8>) -> Bool) { self.sink = sink }

    var failed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    func fail(_ why: String?) {
        lock.lock()
        stopped = true
        if reason == nil { reason = why }
        lock.unlock()
    }

    /// Writes `bytes` now if its turn has come (the caller keeps the buffer for its next block),
    /// or keeps them until it has; then whatever became ready.
    func deliver(_ block: Int, _ bytes: inout [UInt8]) {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        if block == nextBlock {
            guard bytes.withUnsafeBufferPointer(sink) else {
                stopped = true
                reason = reason ?? "cannot write the signed zone: \(String(cString: strerror(errno)))"
                return
            }
            nextBlock += 1
        } else {
            pending[block] = bytes
            bytes = []
        }
        while let ready = pending.removeValue(forKey: nextBlock) {
            guard ready.withUnsafeBufferPointer(sink) else {
                stopped = true
                reason = reason ?? "cannot write the signed zone: \(String(cString: strerror(errno)))"
                return
            }
            nextBlock += 1
        }
    }
}
