import RealtimeProtocol

/// A handle to one channel of a `RealtimeClient` (realtime-js `RealtimeChannel`).
///
/// The handle holds no state of its own: the client actor owns the channel, so
/// handles can be passed between tasks freely. After `unsubscribe()` or a server
/// close the handle is dead; ask the client for the channel again to rejoin.
public final class RealtimeChannel: Sendable {
    /// The wire topic, `realtime:<name>`.
    public let topic: String
    /// The channel name, without the `realtime:` prefix.
    public var name: String { RealtimeTopic.channelName(ofTopic: topic) ?? topic }
    /// The client whose socket carries this channel.
    public let client: RealtimeClient
    let id: Int

    init(client: RealtimeClient, topic: String, id: Int) {
        self.client = client
        self.topic = topic
        self.id = id
    }

    /// Joins the channel (connecting the socket if needed) and returns once the
    /// server accepted the join.
    ///
    /// - Throws: `RealtimeError.joinRejected` with the server's reason,
    ///   `.timedOut` when no answer came within `timeout`, `.channelClosed` when the
    ///   channel was closed meanwhile. After a rejection or a timeout the channel
    ///   keeps retrying with `options.rejoinBackoff` until `unsubscribe()`.
    public func subscribe(timeout: Duration = .seconds(10)) async throws {
        try await client.subscribe(channelID: id, topic: topic, timeout: timeout)
    }

    /// Leaves the channel (waiting for the server's confirmation, at most the push
    /// timeout) and closes it: pending pushes fail, event streams end.
    public func unsubscribe() async {
        await client.unsubscribe(channelID: id, topic: topic)
    }

    /// A stream of this channel's broadcasts, presence changes, status changes and
    /// system messages from now on. Each call gives a new stream; streams end when
    /// the channel closes. Call it before `subscribe()` so nothing is missed.
    public func events() async -> AsyncStream<ChannelEvent> {
        await client.events(channelID: id, topic: topic)
    }

    /// The `response` of the server's last accepted join: `{"postgres_changes": […]}`,
    /// and from a Qalam relay `"access": {"role": …, "write": …}`, what this
    /// client may do on a document channel. `nil` before the first join.
    public func joinResponse() async -> JSONValue? {
        await client.joinResponse(channelID: id, topic: topic)
    }

    /// The channel's join state.
    public func status() async -> ChannelStatus {
        await client.status(channelID: id, topic: topic)
    }

    /// Sends a broadcast to the channel's other subscribers (and to this client with
    /// `broadcastSelf`).
    ///
    /// With `broadcastAck` in the join config this returns once the server confirmed
    /// it; otherwise once it is queued on the socket, or in the channel's buffer while
    /// the channel is not joined yet (sent in order after the join, even when
    /// `subscribe()` has not been called yet).
    /// - Throws: `RealtimeError.binaryNeedsVersion2` for `.binary` over vsn 1.0.0;
    ///   `.pushRejected`, `.timedOut`, `.connectionLost` for ack'd sends;
    ///   `.channelClosed` when the channel was unsubscribed or closed by the server.
    public func broadcast(event: String, payload: UserPayload, timeout: Duration? = nil) async throws {
        try await client.broadcast(channelID: id, topic: topic, event: event, payload: payload, timeout: timeout)
    }

    /// A JSON broadcast.
    public func broadcast(event: String, json: JSONValue, timeout: Duration? = nil) async throws {
        try await broadcast(event: event, payload: .json(json), timeout: timeout)
    }

    /// Tracks this client's presence with `meta` and waits for the server's reply.
    /// The meta is tracked again after every rejoin. Supabase allows 5 presence
    /// calls per 30 s per channel.
    public func track(_ meta: [String: JSONValue], timeout: Duration? = nil) async throws {
        try await client.track(channelID: id, topic: topic, meta: meta, timeout: timeout)
    }

    /// Stops tracking this client's presence.
    public func untrack(timeout: Duration? = nil) async throws {
        try await client.untrack(channelID: id, topic: topic, timeout: timeout)
    }

    /// The synced presence state: key → metas, each with `presence_ref` (realtime-js shape).
    public func presenceState() async -> [String: [JSONValue]] {
        await client.presenceState(channelID: id, topic: topic)
    }
}
