internal import CLDNS

/// glibc's allocator settings, which apply to the whole process: only the command line may
/// decide to change them (`danectl sign` does, before it starts), never a library call.
public enum MemoryTuning {
    /// Puts allocations of 64 KiB and more (the signing engine's block buffers) in their own
    /// mappings, so each goes back to the system when freed instead of piling up in the
    /// threads' heaps.
    public static func preferMappedLargeBlocks() {
        _ = mallopt(M_MMAP_THRESHOLD, 64 << 10)
    }

    /// Lets each heap keep up to 64 MiB of freed memory instead of handing every freed top
    /// chunk back at once: with the default (128 KiB) the parser's and signers' churn became
    /// a storm of madvise/brk calls and cross-core TLB flushes — at a million RRsets, 15 s of
    /// system time in a 23 s run; with this, half a second. Peak memory does not change.
    public static func keepFreedMemoryForReuse() {
        _ = mallopt(M_TRIM_THRESHOLD, 64 << 20)
    }
}
