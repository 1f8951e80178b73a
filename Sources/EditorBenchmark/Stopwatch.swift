import Foundation

/// The clock every sample is read from, chosen once at start.
enum Stopwatch {
    /// Wall time (what the user waits) or the thread's CPU time (what the editor
    /// itself spends, which other processes on a busy machine do not inflate).
    enum Clock: String {
        case wall
        case cpu
    }

    static var clock = Clock.wall

    /// Nanoseconds on the chosen clock, from an arbitrary origin.
    static func now() -> UInt64 {
        read(clock == .wall ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID)
    }

    /// The calling thread's CPU time in nanoseconds, whichever clock samples use (a
    /// store's merge runs on one thread and is timed on it).
    static func threadCPU() -> UInt64 { read(CLOCK_THREAD_CPUTIME_ID) }

    private static func read(_ id: clockid_t) -> UInt64 {
        var time = timespec()
        clock_gettime(id, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}

/// Milliseconds since `start` (a `Stopwatch.now()` reading).
func millisecondsSince(_ start: UInt64) -> Double {
    Double(Stopwatch.now() &- start) / 1_000_000
}
