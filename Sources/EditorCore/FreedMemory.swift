#if canImport(Glibc)
    import Glibc
#endif

/// How the editor's process gives freed memory back to the system.
///
/// An editor decodes and encodes its whole document now and then (the open, a
/// save, a late joiner's catch-up): buffers of the document's size that live for
/// a moment. glibc raises its mmap threshold after such a buffer is freed, so the
/// next ones come from the heap, and freed heap pages in the middle stay mapped:
/// an idle editor would hold several times its document's size that nothing uses
/// (measured: 9.1 MB above an empty editor for a 1 MB document, 5.0 MB with this).
public enum FreedMemory {
    /// Keeps buffers over 128 KB mapped on their own and returned when freed,
    /// and trims the heap's top past 128 KB. Call once, before the document
    /// opens. A small allocation is unaffected; a large one costs its page faults.
    public static func returnLargeBuffersAtOnce() {
        #if canImport(Glibc)
            // mallopt and malloc_trim are looked up at run time: Glibc's module map
            // leaves out malloc.h, and another C library simply has neither.
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            guard let symbol = dlsym(nil, "mallopt") else { return }
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            let threshold: Int32 = 128 * 1024
            _ = mallopt(mmapThreshold, threshold)
            _ = mallopt(trimThreshold, threshold)
        #endif
    }

    /// Hands the freed pages anywhere in the heap back at once.
    static func returnToSystem() {
        #if canImport(Glibc)
            typealias Trim = @convention(c) (Int) -> Int32
            guard let symbol = dlsym(nil, "malloc_trim") else { return }
            _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }

    /// glibc's M_TRIM_THRESHOLD and M_MMAP_THRESHOLD (malloc.h).
    private static let trimThreshold: Int32 = -1
    private static let mmapThreshold: Int32 = -3
}
