#if canImport(Glibc)
    import Glibc
#endif

/// Gives the allocator's freed pages back to the system.
enum FreedMemory {
    /// Opening a document decodes it several times over (the stored rows, the
    /// editor's copy, the text read for the layout). Those buffers are freed by
    /// the time the editor is ready, but glibc keeps freed heap pages mapped, so
    /// without this the editor would go on holding several times the document's
    /// size that nothing uses (measured: 10.0 → 6.7 MB above an empty editor for
    /// a 1 MB document).
    static func returnToSystem() {
        #if canImport(Glibc)
            // glibc's malloc_trim, looked up at run time: Glibc's module map leaves
            // out malloc.h, and another C library simply has nothing to trim.
            typealias Trim = @convention(c) (Int) -> Int32
            guard let symbol = dlsym(nil, "malloc_trim") else { return }
            _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }
}
