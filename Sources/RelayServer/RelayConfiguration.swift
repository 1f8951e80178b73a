import DocumentStorage

/// Everything a `Relay` needs to know before it starts.
public struct RelayConfiguration: Sendable {
    /// Interface to bind. Without a JWT secret only loopback addresses are allowed.
    public var host: String
    /// TCP port; 0 picks a free one (see `Relay.start()`).
    public var port: Int
    /// HS256 secret that `apikey`, `access_token` and REST bearer tokens must be signed
    /// with. `nil` disables auth, which is only allowed on loopback.
    public var jwtSecret: String?
    /// Supabase's limits; see `RelayLimits`.
    public var limits: RelayLimits
    /// Largest body `PUT /api/documents/{id}/yjs` accepts (413 above it).
    public var maxDocumentBytes: Int
    /// Where the document REST API keeps Yjs state; `nil` answers 503 on those routes.
    public var store: (any DocumentStore)?
    /// Who may open which document. With a JWT secret every `room:<uuid>` join and
    /// document request is checked against it (see `AccessPolicy`); `nil` then lets
    /// only `service_role` tokens reach documents.
    public var membership: (any MembershipStore)?
    /// Browser origins (`https://app.example.com`) allowed to call the relay; pages
    /// of every other origin are refused, and get no CORS headers.
    public var allowedOrigins: [String]
    /// Extra host names a loopback relay answers to (a proxy's name in front of
    /// it); `127.0.0.1`, `localhost`, `::1` and `host` always are.
    public var allowedHosts: [String]
    /// How often the members of open document channels are checked again, so that
    /// a removed user's channel closes (and a changed role applies) without waiting
    /// for a token refresh.
    public var membershipRecheckInterval: Duration
    /// The relay is private to its user: `jwtSecret` is the user's `RelayKey`. It
    /// then answers `qalam_challenge` with a proof that it holds the key, and a
    /// socket may open without a valid `apikey`, because an editor sends no
    /// credential before the relay has proved itself (it joins with a token minted
    /// from the key). Loopback only. See `privateToUser(_:host:port:)`.
    public var isPrivateToUser: Bool
    /// Broadcast events a member who may only read (a viewer) can still send:
    /// requests that carry no document content, so a viewer can catch up. Qalam's
    /// `yjs-sync-step1` asks peers for what the sender lacks; their answers, and
    /// every update, come only from members who may write. Each must have the
    /// shape of a sync request (ids and a state vector, nothing else; see
    /// `ReaderBroadcast`).
    public var readerBroadcastEvents: Set<String>
    /// Sockets that send nothing for this long are closed (Phoenix's 60 s).
    public var idleTimeout: Duration
    /// Delay before every join error reply (Supabase waits 5 s in production, 0 in its tests).
    public var joinErrorDelay: Duration
    /// Grace period for clients to answer the close handshake at shutdown.
    public var shutdownGracePeriod: Duration

    /// A configuration with the embedded defaults: loopback port 4000, auth off, no store.
    public init(
        host: String = "127.0.0.1", port: Int = 4000, jwtSecret: String? = nil,
        limits: RelayLimits = RelayLimits(), maxDocumentBytes: Int = 16 * 1024 * 1024,
        store: (any DocumentStore)? = nil, membership: (any MembershipStore)? = nil,
        allowedOrigins: [String] = [], allowedHosts: [String] = [],
        readerBroadcastEvents: Set<String> = ["yjs-sync-step1"], idleTimeout: Duration = .seconds(60),
        joinErrorDelay: Duration = .zero, shutdownGracePeriod: Duration = .seconds(2)
    ) {
        self.host = host
        self.port = port
        self.jwtSecret = jwtSecret
        self.limits = limits
        self.maxDocumentBytes = maxDocumentBytes
        self.store = store
        self.membership = membership
        self.allowedOrigins = allowedOrigins
        self.allowedHosts = allowedHosts
        self.readerBroadcastEvents = readerBroadcastEvents
        self.isPrivateToUser = false
        self.membershipRecheckInterval = .seconds(30)
        self.idleTimeout = idleTimeout
        self.joinErrorDelay = joinErrorDelay
        self.shutdownGracePeriod = shutdownGracePeriod
    }

    /// A relay only the holder of `key` can use: the embedded default, and
    /// `qalam serve` without a JWT secret.
    public static func privateToUser(_ key: RelayKey, host: String = "127.0.0.1", port: Int = 4000)
        -> RelayConfiguration
    {
        var configuration = RelayConfiguration(host: host, port: port, jwtSecret: key.secret)
        configuration.isPrivateToUser = true
        return configuration
    }

    /// The key whose holder this relay proves it is, when it is private to its user.
    var challengeKey: RelayKey? {
        guard isPrivateToUser, let jwtSecret else { return nil }
        return RelayKey(secret: jwtSecret)
    }

    /// Whether `host` names a loopback interface.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The verifier of `jwtSecret`; `nil` when auth is off.
    var verifier: JWTVerifier? { jwtSecret.map(JWTVerifier.init(secret:)) }

    /// The membership checks of this configuration.
    var accessPolicy: AccessPolicy { AccessPolicy(authenticates: jwtSecret != nil, membership: membership) }

    /// Token and membership checks for joins and refreshes.
    var authorizer: Authorizer { Authorizer(verifier: verifier, policy: accessPolicy) }
}

/// Supabase Realtime's limits (docs/reference/realtime-protocol.md §8) with its self-hosted defaults. Where Supabase
/// counts per tenant, the relay counts per client socket, so that one client over its
/// limit gets the error and everyone else keeps working.
public struct RelayLimits: Sendable {
    /// Broadcasts a socket may push per second (`TENANT_MAX_EVENTS_PER_SECOND`); over it
    /// the channel gets `system` "Too many messages per second" and `phx_close`.
    public var eventsPerSecond: Int
    /// Largest broadcast or presence payload in bytes as sent on the wire
    /// (`max_payload_size_in_kb` 3000 → 3 000 000 + 500).
    public var maxPayloadBytes: Int
    /// Channels one socket may have joined at once (`TENANT_MAX_CHANNELS_PER_CLIENT`).
    public var maxChannelsPerClient: Int
    /// Joins a socket may make per second (`TENANT_MAX_JOINS_PER_SECOND`); over it the join
    /// fails and the socket is closed with 1001.
    public var joinsPerSecond: Int
    /// Sockets with at least one channel (`TENANT_MAX_CONCURRENT_USERS`).
    public var maxConcurrentUsers: Int
    /// Presence pushes (track/untrack) per channel per window (`CLIENT_PRESENCE_MAX_CALLS`).
    public var presenceCallsPerWindow: Int
    /// The presence window (`CLIENT_PRESENCE_WINDOW_MS`).
    public var presenceWindow: Duration
    /// Largest inbound WebSocket message (Phoenix `max_frame_size`).
    public var maxFrameBytes: Int
    /// Frames queued for a socket that does not read; beyond it the socket is cut.
    public var maxQueuedFrames: Int
    /// Bytes queued for a socket that does not read; beyond it the socket is cut
    /// with close code 1008 and a reason that says so.
    public var maxQueuedBytes: Int
    /// Messages per REST batch.
    public var maxBatchMessages: Int

    /// Limits with Supabase's self-hosted defaults.
    public init(
        eventsPerSecond: Int = 100, maxPayloadBytes: Int = 3_000_500, maxChannelsPerClient: Int = 100,
        joinsPerSecond: Int = 100, maxConcurrentUsers: Int = 200, presenceCallsPerWindow: Int = 5,
        presenceWindow: Duration = .seconds(30), maxFrameBytes: Int = 5_000_000,
        maxQueuedFrames: Int = 10_000, maxQueuedBytes: Int = 8 << 20, maxBatchMessages: Int = 100
    ) {
        self.eventsPerSecond = eventsPerSecond
        self.maxPayloadBytes = maxPayloadBytes
        self.maxChannelsPerClient = maxChannelsPerClient
        self.joinsPerSecond = joinsPerSecond
        self.maxConcurrentUsers = maxConcurrentUsers
        self.presenceCallsPerWindow = presenceCallsPerWindow
        self.presenceWindow = presenceWindow
        self.maxFrameBytes = maxFrameBytes
        self.maxQueuedFrames = maxQueuedFrames
        self.maxQueuedBytes = maxQueuedBytes
        self.maxBatchMessages = maxBatchMessages
    }
}
