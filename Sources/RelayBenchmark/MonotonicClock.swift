import Foundation

/// Nanoseconds on the system's monotonic clock. Senders and receivers live in the
/// same driver process, so a send timestamp embedded in a payload can be compared
/// with the receive time directly.
enum MonotonicClock {
    static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
