/// The exact reason and message strings of Supabase Realtime (spec §3.3, §5.3, §6, §7, §8),
/// so that clients written against hosted Supabase recognise them.
public enum RealtimeReason {
    // Join errors (`response.reason`).
    public static let unmatchedTopic = "unmatched topic"
    public static let topicNameRequired = "TopicNameRequired: You must provide a topic name"
    public static let tooManyChannels = "ChannelRateLimitReached: Too many channels"
    public static let tooManyConnectedUsers = "ConnectionRateLimitReached: Too many connected users"
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
        }
    }

    // Payload-level errors.
    public static let presencePayloadNotMap = "Presence track payload must be a map"
    /// The ack reply's `response` (a bare JSON string) for an oversized broadcast.
    public static let payloadSizeExceeded = "payload_size_exceeded"

    // `system` messages (followed by `phx_close`).
    public static let tooManyMessages = "Too many messages per second"
    public static let clientPresenceRateLimit = "Client presence rate limit exceeded"
    public static let trackMessageSizeExceeded = "Track message size exceeded"
    public static let serverRequestedDisconnect = "Server requested disconnect"

    // REST.
    public static let restUnauthorized = "Unauthorized"
    public static let restBatchTooLarge = "Too many messages to broadcast, please reduce the batch size"
    public static let restPayloadTooLarge = "Payload size exceeds tenant limit"
}
