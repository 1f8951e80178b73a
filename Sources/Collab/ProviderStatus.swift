/// The state of the connection to the document channel, for the status bar.
public enum ConnectionStatus: Sendable, Equatable, CustomStringConvertible {
    /// Joining the channel for the first time.
    case connecting
    /// Joined: updates flow both ways.
    case connected
    /// The channel dropped; the next attempt is in `retryIn`.
    case reconnecting(retryIn: Duration)
    /// Not connected and not trying (closed, or the server refused for good).
    case offline(reason: String?)

    public var description: String {
        switch self {
        case .connecting: return "connecting"
        case .connected: return "connected"
        case let .reconnecting(delay):
            let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
            return "reconnecting in \(Int(seconds.rounded(.up))) s"
        case let .offline(reason?): return "offline: \(reason)"
        case .offline(nil): return "offline"
        }
    }
}

/// What the provider reports about the network side of a document.
public struct ProviderStatus: Sendable, Equatable, CustomStringConvertible {
    public var connection: ConnectionStatus
    /// Local updates not yet broadcast (typed while offline, or waiting for the rate limit).
    public var unsentUpdates: Int
    /// Whether the initial exchange with the other editors finished since the last (re)join.
    public var isSynced: Bool
    /// The last problem worth telling the writer (a refused message, a peer on a newer protocol…).
    public var warning: String?
    /// The server says this user may read the document but not change it (a
    /// viewer): the editor refuses edits, and nothing this side writes is sent.
    public var isReadOnly: Bool

    public init(
        connection: ConnectionStatus = .connecting, unsentUpdates: Int = 0, isSynced: Bool = false,
        warning: String? = nil, isReadOnly: Bool = false
    ) {
        self.connection = connection
        self.unsentUpdates = unsentUpdates
        self.isSynced = isSynced
        self.warning = warning
        self.isReadOnly = isReadOnly
    }

    public var description: String {
        var text = connection.description
        if unsentUpdates > 0 { text += ", \(unsentUpdates) unsent" }
        if connection == .connected { text += isSynced ? ", synced" : ", syncing" }
        if isReadOnly { text += ", read-only" }
        return text
    }
}
