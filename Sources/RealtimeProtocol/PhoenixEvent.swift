/// Event names of Phoenix channels and Supabase Realtime (spec §3–§7).
public enum PhoenixEvent {
    public static let join = "phx_join"
    public static let reply = "phx_reply"
    public static let leave = "phx_leave"
    public static let close = "phx_close"
    public static let error = "phx_error"
    public static let heartbeat = "heartbeat"
    public static let broadcast = "broadcast"
    public static let presence = "presence"
    public static let presenceState = "presence_state"
    public static let presenceDiff = "presence_diff"
    public static let accessToken = "access_token"
    public static let system = "system"
}

/// Reply statuses.
public enum ReplyStatus {
    public static let ok = "ok"
    public static let error = "error"
}
