/// The `config` of a `phx_join` payload (docs/reference/realtime-protocol.md §3.2), parsed leniently as the
/// server does: booleans may be `true`/`false` or the strings "true"/"false"
/// (any case); anything unusable falls back to the default.
public struct JoinConfig: Hashable, Sendable {
    /// `broadcast.self`: the sender receives its own broadcasts.
    public var broadcastSelf: Bool
    /// `broadcast.ack`: the server replies ok to each broadcast push.
    public var broadcastAck: Bool
    /// `presence.key`: this client's presence key; empty means "assign one per join".
    public var presenceKey: String
    /// `presence.enabled`: `presence_state` is pushed after the join.
    public var presenceEnabled: Bool
    /// `private`: RLS-authorised channel.
    public var isPrivate: Bool

    /// A config with realtime-js's defaults (no self, no ack, presence off, public).
    public init(
        broadcastSelf: Bool = false, broadcastAck: Bool = false, presenceKey: String = "",
        presenceEnabled: Bool = false, isPrivate: Bool = false
    ) {
        self.broadcastSelf = broadcastSelf
        self.broadcastAck = broadcastAck
        self.presenceKey = presenceKey
        self.presenceEnabled = presenceEnabled
        self.isPrivate = isPrivate
    }

    /// Reads the `config` member of a join payload (absent/invalid → defaults).
    public init(joinPayload: JSONValue) {
        self.init()
        let config = joinPayload["config"]
        let broadcast = config?["broadcast"]
        let presence = config?["presence"]
        broadcastSelf = Self.flexibleBool(broadcast?["self"]) ?? false
        broadcastAck = Self.flexibleBool(broadcast?["ack"]) ?? false
        presenceEnabled = Self.flexibleBool(presence?["enabled"]) ?? false
        isPrivate = Self.flexibleBool(config?["private"]) ?? false
        // The server accepts any scalar as a key and uses its text.
        switch presence?["key"] {
        case let .string(s)?: presenceKey = s
        case let .integer(i)?: presenceKey = String(i)
        case let .number(d)?: presenceKey = JSONValue.number(d).jsonString
        case let .bool(b)?: presenceKey = b ? "true" : "false"
        default: presenceKey = ""
        }
    }

    /// `true`/`false` or the strings "true"/"false" in any case; `nil` otherwise.
    public static func flexibleBool(_ value: JSONValue?) -> Bool? {
        switch value {
        case let .bool(b)?: return b
        case let .string(s)?:
            switch s.lowercased() {
            case "true": return true
            case "false": return false
            default: return nil
            }
        default: return nil
        }
    }

    /// The `config` object as realtime-js sends it.
    public var json: JSONValue {
        [
            "broadcast": ["self": .bool(broadcastSelf), "ack": .bool(broadcastAck)],
            "presence": ["key": .string(presenceKey), "enabled": .bool(presenceEnabled)],
            "postgres_changes": [],
            "private": .bool(isPrivate)
        ]
    }

    /// A whole `phx_join` payload: `{"config":…[,"access_token":…]}`.
    public func joinPayload(accessToken: String? = nil) -> JSONValue {
        var o: [String: JSONValue] = ["config": json]
        if let accessToken { o["access_token"] = .string(accessToken) }
        return .object(o)
    }

    /// The join's `access_token` (alias `user_token`), if it is a non-empty string.
    public static func accessToken(inJoinPayload payload: JSONValue) -> String? {
        for key in ["access_token", "user_token"] {
            if let s = payload[key]?.stringValue, !s.isEmpty { return s }
        }
        return nil
    }
}
