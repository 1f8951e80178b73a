/// What went wrong talking to a Realtime server, with the server's own words where
/// it gave any.
public enum RealtimeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The base URL cannot be turned into a Realtime WebSocket endpoint.
    case invalidURL(String)
    /// The server refused the channel join; `reason` is its message
    /// (e.g. `Unauthorized: You do not have permissions to read from this Channel topic: room`).
    case joinRejected(topic: String, reason: String)
    /// The server answered a push with an error (e.g. `payload_size_exceeded`).
    case pushRejected(topic: String, event: String, reason: String)
    /// No reply arrived in time.
    case timedOut(topic: String, event: String, after: Duration)
    /// The socket went down before the server answered; the push may or may not
    /// have reached the server.
    case connectionLost(topic: String, event: String)
    /// The channel was left (by `unsubscribe()` or by the server) while the
    /// operation was waiting, or is not subscribed at all.
    case channelClosed(topic: String, reason: String?)
    /// Raw binary payloads need serializer vsn 2.0.0; a vsn 1.0.0 socket cannot carry them.
    case binaryNeedsVersion2(topic: String)
    /// The push was dropped before it was sent (the channel's push buffer was full).
    case pushDropped(topic: String, event: String, reason: String)
    /// The message cannot be encoded (an event name over 255 bytes, say).
    case cannotEncode(String)
    /// The server at `server` (host:port) did not prove it holds the key
    /// `RealtimeOptions.serverChallenge` checks: another program, or another user's
    /// relay, has the port. Nothing but the challenge was sent to it.
    case serverNotAuthentic(server: String)

    public var description: String {
        switch self {
        case let .invalidURL(url):
            return "invalid Realtime URL \(url): use http(s)://HOST[:PORT] or ws(s)://HOST[:PORT]"
        case let .joinRejected(topic, reason):
            return "the server refused to join \(topic): \(reason)"
        case let .pushRejected(topic, event, reason):
            return "the server rejected \(event) on \(topic): \(reason)"
        case let .timedOut(topic, event, after):
            return "no reply to \(event) on \(topic) within \(after); is the server reachable?"
        case let .connectionLost(topic, event):
            return "the connection dropped before the server confirmed \(event) on \(topic)"
        case let .channelClosed(topic, reason):
            return "channel \(topic) is closed" + (reason.map { ": \($0)" } ?? "; subscribe it first")
        case let .binaryNeedsVersion2(topic):
            return
                "cannot send a binary payload on \(topic) over serializer vsn 1.0.0: connect with vsn 2.0.0 or send JSON"
        case let .pushDropped(topic, event, reason):
            return "\(event) on \(topic) was dropped before it was sent: \(reason)"
        case let .cannotEncode(reason):
            return "cannot encode the message: \(reason)"
        case let .serverNotAuthentic(server):
            return
                "the server at \(server) did not prove it holds your relay key, so nothing was sent to it: another program (or another user's relay) is using the port"
        }
    }
}
