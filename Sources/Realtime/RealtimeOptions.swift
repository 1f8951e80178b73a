import Logging
import NIOSSL
import RealtimeProtocol

/// How a `RealtimeClient` connects and how patient it is. The defaults are
/// realtime-js's; tests shorten the intervals.
public struct RealtimeOptions: Sendable {
    /// Serializer version (`vsn`). 2.0.0 (the realtime-js default since 2.91) carries
    /// binary broadcasts; 1.0.0 only JSON.
    public var version: SerializerVersion
    /// Time between a heartbeat's reply and the next heartbeat.
    public var heartbeatInterval: Duration
    /// How long a heartbeat may go unanswered before the socket counts as dead.
    public var heartbeatTimeout: Duration
    /// How long a connection attempt (TCP, TLS and the WebSocket upgrade) may take
    /// before it is abandoned and retried.
    public var connectTimeout: Duration
    /// Delays between reconnect attempts; reset once a socket opens.
    public var reconnectBackoff: Backoff
    /// Delays between rejoin attempts of an errored channel; reset once joined.
    public var rejoinBackoff: Backoff
    /// Default time to wait for a reply to a push (join, ack'd broadcast, track).
    public var pushTimeout: Duration
    /// Pushes kept per channel while it is not joined; the oldest are dropped beyond it.
    public var pushBufferLimit: Int
    /// Largest frame sent or accepted, in bytes (the server accepts 5 000 000).
    public var maxFrameSize: Int
    /// Extra query parameters of the socket URL (e.g. `["log_level": "info"]`).
    public var params: [String: String]
    /// Supplies the JWT sent as `access_token` (realtime-js `accessToken` option). It is
    /// asked before channels (re)join on a new socket and with every heartbeat; a
    /// changed token is pushed to joined channels as `setAuth` does, so a session
    /// token can be refreshed before it expires. `nil` for a static token.
    public var accessToken: (@Sendable () async -> String?)?
    /// TLS settings for `wss://`; `nil` uses the system's trust roots.
    public var tls: TLSConfiguration?
    /// When set, every new socket first sends a random challenge and waits for the
    /// server's proof that it holds a key (Qalam's relay private to its user); no
    /// join, token or broadcast goes out before `verify` accepts it. A socket that
    /// fails is dropped and retried, and `RealtimeClient.lastFailure` says why.
    public var serverChallenge: ServerChallenge?
    /// Where the client logs connection changes and dropped frames. Silent by
    /// default: a terminal UI owns stdout.
    public var logger: Logger

    /// Options with realtime-js's defaults; see each property.
    public init(
        version: SerializerVersion = .v2,
        heartbeatInterval: Duration = .seconds(25),
        heartbeatTimeout: Duration = .seconds(25),
        connectTimeout: Duration = .seconds(10),
        reconnectBackoff: Backoff = .reconnectDefault,
        rejoinBackoff: Backoff = .rejoinDefault,
        pushTimeout: Duration = .seconds(10),
        pushBufferLimit: Int = 100,
        maxFrameSize: Int = PhoenixSerializer.defaultMaxFrameBytes,
        params: [String: String] = [:],
        accessToken: (@Sendable () async -> String?)? = nil,
        tls: TLSConfiguration? = nil,
        serverChallenge: ServerChallenge? = nil,
        logger: Logger = Logger(label: "qalam.realtime", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.version = version
        self.heartbeatInterval = heartbeatInterval
        self.heartbeatTimeout = heartbeatTimeout
        self.connectTimeout = connectTimeout
        self.reconnectBackoff = reconnectBackoff
        self.rejoinBackoff = rejoinBackoff
        self.pushTimeout = pushTimeout
        self.pushBufferLimit = pushBufferLimit
        self.maxFrameSize = maxFrameSize
        self.params = params
        self.accessToken = accessToken
        self.tls = tls
        self.serverChallenge = serverChallenge
        self.logger = logger
    }
}
