/// The exact reason and message strings of Supabase Realtime (docs/reference/realtime-protocol.md §3.3, §5.3, §6, §7, §8),
/// so that clients written against hosted Supabase recognise them.
public enum RealtimeReason {
    // MARK: Join errors (`response.reason`)

    /// A topic that does not start with `realtime:`.
    public static let unmatchedTopic = "unmatched topic"
    /// The topic `realtime:` with no channel name.
    public static let topicNameRequired = "TopicNameRequired: You must provide a topic name"
    /// The socket already has the most channels it may join.
    public static let tooManyChannels = "ChannelRateLimitReached: Too many channels"
    /// The server has the most users it may hold.
    public static let tooManyConnectedUsers = "ConnectionRateLimitReached: Too many connected users"
    /// The socket joins faster than allowed; the socket is closed afterwards.
    public static let tooManyJoins = "ClientJoinRateLimitReached: Too many joins per second"
    /// `InvalidJWTToken: …` / `MalformedJWT: …` / `JwtSignatureError: …` join reasons.
    public static func joinReason(for failure: TokenFailure) -> String {
        switch failure {
        case .expired: return "InvalidJWTToken: \(failure.message)"
        case .missingClaims: return "InvalidJWTToken: \(failure.message)"
        case .invalidExpiration: return "InvalidJWTToken: \(failure.message)"
        case .malformed: return "MalformedJWT: \(failure.message)"
        case .badSignature: return "JwtSignatureError: \(failure.message)"
        case .missing: return "InvalidJWTToken: \(failure.message)"
        case .notYetValid: return "InvalidJWTToken: \(failure.message)"
        }
    }

    /// A join the caller's policies (here: document membership) do not allow.
    public static func unauthorizedRead(_ channel: String) -> String {
        "Unauthorized: You do not have permissions to read from this Channel topic: \(channel)"
    }
    /// The membership could not be read, so the join is refused rather than guessed.
    public static func authorizationUnavailable(_ reason: String) -> String {
        "UnableToAuthorize: the channel's permissions could not be checked: \(reason)"
    }

    // MARK: Payload errors

    /// A presence `track` whose payload is not a JSON object.
    public static let presencePayloadNotMap = "Presence track payload must be a map"
    /// The ack reply's `response` (a bare JSON string) for an oversized broadcast.
    public static let payloadSizeExceeded = "payload_size_exceeded"

    // MARK: `system` messages (followed by `phx_close`)

    /// A refreshed token whose user is no longer allowed to read the channel.
    public static func lostReadPermission(_ channel: String) -> String {
        "You no longer have permission to read from this Channel topic: \(channel)"
    }
    /// The ack reply's reason for a broadcast from a member who may only read.
    public static func unauthorizedWrite(_ channel: String) -> String {
        "Unauthorized: You do not have permissions to write to this Channel topic: \(channel)"
    }

    /// The socket broadcasts faster than allowed.
    public static let tooManyMessages = "Too many messages per second"
    /// The socket sends presence messages faster than allowed.
    public static let clientPresenceRateLimit = "Client presence rate limit exceeded"
    /// A presence meta over the payload limit.
    public static let trackMessageSizeExceeded = "Track message size exceeded"
    /// The server is shutting down; clients reconnect later.
    public static let serverRequestedDisconnect = "Server requested disconnect"

    // MARK: REST broadcast

    /// A missing or invalid bearer token or `apikey` header (401 `{"message":…}`).
    public static let restUnauthorized = "Unauthorized"
    /// A batch with more messages than allowed (429).
    public static let restBatchTooLarge = "Too many messages to broadcast, please reduce the batch size"
    /// A body or payload over the size limit.
    public static let restPayloadTooLarge = "Payload size exceeds tenant limit"
}
