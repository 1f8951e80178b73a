import RealtimeProtocol

/// The client's bookkeeping for one channel. Owned and touched only by the
/// `RealtimeClient` actor; `RealtimeChannel` is the public handle to it.
final class ChannelRecord {
    enum State: Equatable {
        case closed
        case joining
        case joined
        case errored(String)
        case leaving
    }

    /// A push waiting for the channel to be joined.
    struct QueuedPush {
        let ref: String
        let event: String
        let payload: Payload
    }

    let id: Int
    /// The wire topic, `realtime:<name>`.
    let topic: String
    let config: JoinConfig

    var state: State = .closed
    /// `subscribe()` was called and neither `unsubscribe()` nor a server close followed.
    var wantsJoin = false
    /// The ref of the current (or last) `phx_join`; frames with another join ref are stale.
    var joinRef: String?
    /// Whether the current join attempt's `phx_join` went out (it waits for the socket otherwise).
    var joinSent = false
    /// Whether the channel was ever joined (a later join is a rejoin).
    var hasJoined = false
    /// The `response` of the last accepted join.
    var joinResponse: JSONValue?
    var joinTimer: Task<Void, Never>?
    var rejoinAttempt = 0
    var rejoinTimer: Task<Void, Never>?
    var buffer: [QueuedPush] = []
    var presence = PresenceSync()
    /// The meta last tracked, re-tracked after every rejoin (the server forgets
    /// presences when the socket drops).
    var trackedMeta: JSONValue?
    var observers: [Int: AsyncStream<ChannelEvent>.Continuation] = [:]
    /// `subscribe()` calls waiting for the join's outcome, by waiter id.
    var subscribeWaiters: [Int: CheckedContinuation<Void, Error>] = [:]

    init(id: Int, topic: String, config: JoinConfig) {
        self.id = id
        self.topic = topic
        self.config = config
    }

    var status: ChannelStatus {
        switch state {
        case .closed: return .closed
        case .joining: return .joining
        case .joined: return .joined
        case let .errored(reason): return .errored(reason: reason)
        case .leaving: return .joined
        }
    }

    func emit(_ event: ChannelEvent) {
        for continuation in observers.values {
            continuation.yield(event)
        }
    }

    /// Moves to `state` and reports the change, once.
    func transition(to newState: State) {
        guard newState != state else { return }
        let before = status
        state = newState
        if status != before { emit(.status(status)) }
    }

    func resumeWaiters(with result: Result<Void, RealtimeError>) {
        let waiters = subscribeWaiters
        subscribeWaiters = [:]
        for waiter in waiters.values {
            waiter.resume(with: result.mapError { $0 as Error })
        }
    }

    func cancelTimers() {
        joinTimer?.cancel()
        joinTimer = nil
        rejoinTimer?.cancel()
        rejoinTimer = nil
    }
}
