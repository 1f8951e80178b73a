/// Event names of Phoenix channels and Supabase Realtime (spec §3–§7).
public enum PhoenixEvent {
    public static let join = "phx_join"
    public static let reply = "phx_reply"
    public static let leave = "phx_leave"
    public static let close = "phx_close"
    public static let error = "phx_error"
    public static let heartbeat = "heartbeat"
    public static let broadcast = "broadcast"
    public static let presence = "presence"
    public static let presenceState = "presence_state"
    public static let presenceDiff = "presence_diff"
    public static let accessToken = "access_token"
    public static let system = "system"
}

/// Topic conventions.
public enum RealtimeTopic {
    /// The socket-level topic of heartbeats.
    public static let phoenix = "phoenix"
    /// Channel topics are `realtime:<name>`.
    public static let prefix = "realtime:"

    /// `realtime:<name>`.
    public static func topic(forChannel name: String) -> String { prefix + name }

    /// The channel name of a `realtime:` topic (possibly empty), `nil` for other topics.
    public static func channelName(ofTopic topic: String) -> String? {
        guard topic.hasPrefix(prefix) else { return nil }
        return String(topic.dropFirst(prefix.count))
    }
}

/// Reply statuses.
public enum ReplyStatus {
    public static let ok = "ok"
    public static let error = "error"
}

/// The exact reason and message strings of Supabase Realtime (spec §3.3, §5.3, §6, §7, §8),
/// so that clients written against hosted Supabase recognise them.
public enum RealtimeReason {
    // Join errors (`response.reason`).
    public static let unmatchedTopic = "unmatched topic"
    public static let topicNameRequired = "TopicNameRequired: You must provide a topic name"
    public static let tooManyChannels = "ChannelRateLimitReached: Too many channels"
    public static let tooManyConnectedUsers = "ConnectionRateLimitReached: Too many connected users"
    public static let tooManyJoins = "ClientJoinRateLimitReached: Too many joins per second"
    public static func unauthorizedRead(channel: String) -> String {
        "Unauthorized: You do not have permissions to read from this Channel topic: \(channel)"
    }
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
    public static let tooManyPresenceMessages = "Too many presence messages per second"
    public static let clientPresenceRateLimit = "Client presence rate limit exceeded"
    public static let trackMessageSizeExceeded = "Track message size exceeded"
    public static let serverRequestedDisconnect = "Server requested disconnect"

    // REST.
    public static let restUnauthorized = "Unauthorized"
    public static let restRateLimited = "You have exceeded your rate limit"
    public static let restPayloadTooLarge = "Payload size exceeds tenant limit"
}

/// Why a JWT was refused; `message` is the exact Supabase text (handshake `error`,
/// `system` message, and, with a code prefix, join reason).
public enum TokenFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// No API key at all.
    case missing
    /// `exp` is in the past by this many seconds.
    case expired(secondsAgo: Int)
    /// `role` or `exp` is absent.
    case missingClaims
    /// `exp` is not a number.
    case invalidExpiration
    /// Not three base64url parts of JSON.
    case malformed
    /// Signature does not verify with the configured secret.
    case badSignature

    public var description: String { message }

    public var message: String {
        switch self {
        case .missing: return "API key is missing"
        case let .expired(n): return "Token has expired \(n) seconds ago"
        case .missingClaims: return "Fields `role` and `exp` are required in JWT"
        case .invalidExpiration: return "Token expiration time is invalid"
        case .malformed: return "The token provided is not a valid JWT"
        case .badSignature: return "Failed to validate JWT signature"
        }
    }
}
