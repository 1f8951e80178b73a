/// Counters for `/healthz` and benchmarks.
public struct RelayStatistics: Sendable, Equatable {
    /// Open WebSocket connections.
    public var sockets: Int
    /// Joined channels, summed over all sockets.
    public var channels: Int
    /// Topics with at least one member.
    public var topics: Int
    /// Messages decoded from clients since the relay started.
    public var messagesIn: Int
    /// Messages queued to clients since the relay started.
    public var messagesOut: Int
}
