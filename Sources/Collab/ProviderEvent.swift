import YCRDT

/// What the provider tells its owner. Delivered in order on `SupabaseProvider.events`.
public enum ProviderEvent: Sendable, Equatable {
    /// A Yjs v1 update from another editor, already validated and applied to the
    /// provider's replica; the editor applies the same parsed update to its
    /// document (`Doc.applyUpdate(_:origin:)`), which does not decode it again.
    case remoteUpdate(ParsedUpdate)
    /// The people online changed.
    case onlineUsers([OnlineUser])
    /// Remote cursors changed (moved, appeared, or went away).
    case cursors([RemoteCursor])
    /// The connection or sync state changed.
    case status(ProviderStatus)
}

/// Counters for tests and benchmarks: what went over the wire.
public struct ProviderStatistics: Sendable, Equatable {
    /// Broadcasts sent, by event name.
    public var sent: [String: Int] = [:]
    /// Broadcasts received, by event name.
    public var received: [String: Int] = [:]
    /// Bytes of Yjs updates sent in `yjs-update` broadcasts.
    public var updateBytesSent = 0
    /// Sync requests this editor answered, and ones it left to another peer.
    public var answersSent = 0
    public var answersSkipped = 0
    /// Messages ignored because they were malformed or invalid.
    public var rejected = 0
    /// Whole-state broadcasts sent for web clients that joined.
    public var catchUps = 0
}
