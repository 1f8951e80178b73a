/// A retry schedule: the delay before attempt 1, 2, 3, … and the delay repeated
/// once the list runs out.
///
/// The defaults are those of realtime-js: reconnects wait 1, 2, 5, then 10 s
/// forever; channel rejoins (phoenix `rejoinAfterMs`) wait 1, 2, 5, then 10 s.
/// Tests inject short schedules so that reconnects happen in milliseconds.
public struct Backoff: Sendable, Equatable, CustomStringConvertible {
    /// The delays for the first attempts, in order; never empty.
    public let steps: [Duration]
    /// The delay used for every attempt after `steps` runs out.
    public let last: Duration

    /// A schedule of `steps` followed by `last` forever.
    /// An empty `steps` means every attempt waits `last`.
    public init(_ steps: [Duration], then last: Duration) {
        self.steps = steps.isEmpty ? [last] : steps
        self.last = last
    }

    /// The same delay for every attempt.
    public static func constant(_ delay: Duration) -> Backoff {
        Backoff([delay], then: delay)
    }

    /// realtime-js `reconnectAfterMs`: 1 s, 2 s, 5 s, 10 s, then 10 s.
    public static let reconnectDefault = Backoff(
        [.seconds(1), .seconds(2), .seconds(5), .seconds(10)], then: .seconds(10))

    /// phoenix `rejoinAfterMs`: 1 s, 2 s, 5 s, then 10 s.
    public static let rejoinDefault = Backoff([.seconds(1), .seconds(2), .seconds(5)], then: .seconds(10))

    /// The delay before attempt number `attempt` (1-based; values below 1 count as 1).
    public func delay(forAttempt attempt: Int) -> Duration {
        let index = max(attempt, 1) - 1
        return index < steps.count ? steps[index] : last
    }

    public var description: String {
        steps.map { "\($0)" }.joined(separator: ", ") + ", then \(last)"
    }
}
