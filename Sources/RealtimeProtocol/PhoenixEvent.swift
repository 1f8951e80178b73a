/// Event names of Phoenix channels and Supabase Realtime (docs/reference/realtime-protocol.md §3–§7).
public enum PhoenixEvent {
    /// Client → server: join a channel (payload: the join config and access token).
    public static let join = "phx_join"
    /// Server → client: the answer to a push, matched by its `ref`.
    public static let reply = "phx_reply"
    /// Client → server: leave a channel.
    public static let leave = "phx_leave"
    /// Server → client: the channel is closed for good (no rejoin).
    public static let close = "phx_close"
    /// Server → client: the channel crashed; clients rejoin.
    public static let error = "phx_error"
    /// Client → server on topic `phoenix`: keeps the socket alive.
    public static let heartbeat = "heartbeat"
    /// A user broadcast, both ways.
    public static let broadcast = "broadcast"
    /// Client → server: presence `track` / `untrack`.
    public static let presence = "presence"
    /// Server → client: the whole presence state, after a join.
    public static let presenceState = "presence_state"
    /// Server → client: presence joins and leaves since the last state or diff.
    public static let presenceDiff = "presence_diff"
    /// Client → server: a refreshed access token for a joined channel.
    public static let accessToken = "access_token"
    /// Server → client: a status message about the channel (`{"status","message"}`).
    public static let system = "system"
    /// Client → server on topic `phoenix`, Qalam's own: `{"challenge": <random>}`,
    /// answered with `{"proof": …}` by a relay private to its user, which proves it
    /// holds the user's key before the client sends anything else.
    public static let qalamChallenge = "qalam_challenge"
}

/// Reply statuses (`phx_reply` payload `status`).
public enum ReplyStatus {
    /// The push was accepted.
    public static let ok = "ok"
    /// The push was refused; `response.reason` says why.
    public static let error = "error"
}
