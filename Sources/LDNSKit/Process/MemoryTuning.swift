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
}
