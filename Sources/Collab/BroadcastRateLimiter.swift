/// At most `limit` broadcasts in any window of `window` (Supabase's default client
/// rate is 10 a second): a sliding window over the send times.
///
/// A value type driven by explicit instants, so the provider's clock is the only clock.
struct BroadcastRateLimiter: Sendable {
    let limit: Int
    let window: Duration
    private var sent: [ContinuousClock.Instant] = []

    init(limit: Int, per window: Duration = .seconds(1)) {
        self.limit = max(limit, 1)
        self.window = window
    }

    /// Whether a broadcast may go out at `now`.
    mutating func allows(at now: ContinuousClock.Instant) -> Bool {
        sent.removeAll { now - $0 >= window }
        return sent.count < limit
    }

    /// How long until a broadcast may go out (zero when one may go now).
    mutating func delay(at now: ContinuousClock.Instant) -> Duration {
        if allows(at: now) { return .zero }
        guard let oldest = sent.first else { return .zero }
        return window - (now - oldest)
    }

    /// Counts a broadcast sent at `now`.
    mutating func record(at now: ContinuousClock.Instant) {
        sent.append(now)
    }
}
