import RealtimeProtocol

/// Something that happened on a channel, delivered by `RealtimeChannel.events()`.
public enum ChannelEvent: Sendable, Equatable {
    /// A broadcast from another client (or this one, with `broadcastSelf`).
    /// `payload` is `.json` for JSON broadcasts and `.binary` for vsn 2.0.0 binary ones.
    case broadcast(event: String, payload: UserPayload)
    /// A presence change; `.sync` follows every applied state or diff.
    case presence(PresenceChange)
    /// The channel's join state changed.
    case status(ChannelStatus)
    /// A `system` message from the server (rate limits, token expiry, server drain).
    case system(status: String, message: String)
}

/// The join state of a channel.
public enum ChannelStatus: Sendable, Equatable, CustomStringConvertible {
    /// A `phx_join` is on its way (or waits for the socket to open).
    case joining
    /// The server accepted the join; broadcasts and presence flow.
    case joined
    /// The join failed or the connection dropped; the channel rejoins on its own
    /// with backoff. `reason` is the server's message or what happened locally.
    case errored(reason: String)
    /// The channel was left, or closed by the server (`phx_close`); it does not rejoin.
    case closed

    public var description: String {
        switch self {
        case .joining: return "joining"
        case .joined: return "joined"
        case let .errored(reason): return "errored: \(reason)"
        case .closed: return "closed"
        }
    }
}
