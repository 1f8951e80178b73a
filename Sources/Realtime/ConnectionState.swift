/// The state of the client's socket, as reported by `RealtimeClient.connectionStates()`.
public enum ConnectionState: Sendable, Equatable, CustomStringConvertible {
    /// A WebSocket handshake is under way.
    case connecting
    /// The socket is open; channels (re)join now.
    case open
    /// The socket is closed. `reconnectIn` is the delay before the next attempt,
    /// or `nil` when the client was told to disconnect and will not retry.
    case closed(reconnectIn: Duration?)

    public var description: String {
        switch self {
        case .connecting: return "connecting"
        case .open: return "open"
        case let .closed(delay?): return "closed (reconnecting in \(delay))"
        case .closed(nil): return "closed"
        }
    }
}
