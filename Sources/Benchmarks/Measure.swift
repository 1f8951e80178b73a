import Foundation

/// CPU-time and memory readings for the benchmark table.
///
/// Times are the CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`), not wall time:
/// on a shared machine wall time counts other processes' work. Memory is the heap the C
/// allocator has handed out and not taken back (glibc `malloc_info`), the same reading the
/// pycrdt baseline takes with `mallinfo2` (yrs allocates with the same malloc), so freed
/// temporary buffers that stay resident do not count, unlike with RSS.
enum Measure {
    /// Runs `body` once and returns its result with the CPU milliseconds it took.
    static func cpu<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let start = threadCPUNanoseconds()
        let result = try body()
        return (result, Double(threadCPUNanoseconds() - start) / 1e6)
    }

    /// How often a step of the final state (encode, load) repeats: at least `runs` times,
    /// then on until those repetitions have taken `budgetMs` of CPU in all (at most
    /// `maxRepetitions`). A step under a millisecond is otherwise timed by three runs on a
    /// shared machine, and its least swings by more than the gap it is meant to show.
    /// `Tests/python/bench_pycrdt.py` repeats yrs's steps by the same rule.
    static func keepRepeating(done: Int, spentMs: Double, runs: Int) -> Bool {
        done < runs || (spentMs < budgetMs && done < maxRepetitions)
    }

    static let budgetMs = 250.0
    static let maxRepetitions = 200

    private static func threadCPUNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Peak resident set size of this process so far, in MB (getrusage maxrss).
    static func peakMB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    private typealias MallocInfo = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32
    private static let mallocInfo: MallocInfo? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "malloc_info") else { return nil }
        return unsafeBitCast(symbol, to: MallocInfo.self)
    }()

    /// Bytes of heap in use (allocated and not freed), from glibc's `malloc_info` totals:
    /// the arenas' current size minus their free chunks, plus mmapped chunks. Nil when the
    /// C library has no `malloc_info`.
    static func heapInUse() -> Int? {
        guard let mallocInfo else { return nil }
        var buffer: UnsafeMutablePointer<CChar>?
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return nil }
        _ = mallocInfo(0, stream)
        fclose(stream)
        guard let buffer else { return nil }
        defer { free(buffer) }
        let xml = String(cString: buffer)
        // The process-wide totals follow the last per-arena block.
        guard let tail = xml.range(of: "</heap>", options: .backwards).map({ xml[$0.upperBound...] }) else {
            return nil
        }
        func total(_ element: String, _ type: String) -> Int? {
            guard let at = tail.range(of: "<\(element) type=\"\(type)\"") else { return nil }
            let rest = tail[at.upperBound...]
            guard let sizeAt = rest.range(of: "size=\"") else { return nil }
            let digits = rest[sizeAt.upperBound...].prefix { $0.isNumber }
            return Int(digits)
        }
        guard let current = total("system", "current"), let fast = total("total", "fast"),
            let rest = total("total", "rest")
        else { return nil }
        return current - fast - rest + (total("total", "mmap") ?? 0)
    }
}
