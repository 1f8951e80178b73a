/// A token bucket: `capacity` events at once, refilled at `ratePerSecond`.
struct TokenBucket: Sendable {
    let capacity: Double
    let ratePerSecond: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant

    init(perSecond: Int, now: ContinuousClock.Instant) {
        capacity = Double(max(perSecond, 0))
        ratePerSecond = Double(max(perSecond, 0))
        tokens = capacity
        last = now
    }

    /// Takes one token; false when the bucket is empty (the event is over the limit).
    mutating func take(now: ContinuousClock.Instant) -> Bool {
        let elapsed = now - last
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(capacity, tokens + seconds * ratePerSecond)
        last = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}

/// Counts calls in a fixed window that opens at the first call (Supabase's client
/// presence limit: the 6th call within 30 s of the first fails).
struct WindowCounter: Sendable {
    let limit: Int
    let window: Duration
    private var windowStart: ContinuousClock.Instant?
    private var count = 0

    init(limit: Int, window: Duration) {
        self.limit = limit
        self.window = window
    }

    mutating func record(now: ContinuousClock.Instant) -> Bool {
        if let start = windowStart, now - start < window {
            count += 1
        } else {
            windowStart = now
            count = 1
        }
        return count <= limit
    }
}
