/// One logical Phoenix channel message: the five fields every serializer carries.
public struct PhoenixMessage: Hashable, Sendable, CustomStringConvertible {
    /// The ref of the `phx_join` this message belongs to, or `nil`.
    public var joinRef: String?
    /// The push's own ref (matched by replies), or `nil` for server pushes and broadcasts.
    public var ref: String?
    /// `phoenix` for heartbeats, `realtime:<channel>` for channels.
    public var topic: String
    /// The event name (`PhoenixEvent`), e.g. `phx_join` or `broadcast`.
    public var event: String
    /// What the message carries: JSON, a binary user broadcast or a binary reply.
    public var payload: Payload

    /// A message with any payload.
    public init(joinRef: String? = nil, ref: String? = nil, topic: String, event: String, payload: Payload) {
        self.joinRef = joinRef
        self.ref = ref
        self.topic = topic
        self.event = event
        self.payload = payload
    }

    /// A message with a JSON payload.
    public init(joinRef: String? = nil, ref: String? = nil, topic: String, event: String, json: JSONValue) {
        self.init(joinRef: joinRef, ref: ref, topic: topic, event: event, payload: .json(json))
    }

    /// The JSON payload, when the payload is JSON.
    public var json: JSONValue? {
        if case let .json(value) = payload { return value }
        return nil
    }

    public var description: String {
        "PhoenixMessage(joinRef: \(joinRef ?? "nil"), ref: \(ref ?? "nil"), topic: \(topic), event: \(event), payload: \(payload))"
    }
}

/// What a message carries.
public enum Payload: Hashable, Sendable, CustomStringConvertible {
    /// A JSON object (text frames of either version).
    case json(JSONValue)
    /// Raw bytes of a vsn 2.0.0 Phoenix binary push (kind 0) or broadcast (kind 2).
    /// Supabase Realtime never produces these; kept for completeness of the codec.
    case binary([UInt8])
    /// A vsn 2.0.0 binary reply (kind 1): status (e.g. `ok`) and raw response bytes.
    case binaryReply(status: String, response: [UInt8])
    /// A Realtime user broadcast: kind 3 client→server, kind 4 server→client.
    /// The message's event is `broadcast`.
    case userBroadcast(UserBroadcast)

    public var description: String {
        switch self {
        case let .json(v): return v.jsonString
        case let .binary(b): return "<\(b.count) bytes>"
        case let .binaryReply(status, b): return "reply \(status) <\(b.count) bytes>"
        case let .userBroadcast(u): return "\(u)"
        }
    }
}

/// A broadcast sent through Realtime's binary user-broadcast frames (vsn 2.0.0).
public struct UserBroadcast: Hashable, Sendable, CustomStringConvertible {
    /// The application's event name (`yjs-update`, `cursor`, …).
    public var event: String
    /// The application's data: raw bytes or JSON.
    public var payload: UserPayload
    /// Optional JSON object; the server adds `{"replayed":true,"id":…}` for replays.
    public var metadata: JSONValue?

    /// A broadcast of `payload` under `event`.
    public init(event: String, payload: UserPayload, metadata: JSONValue? = nil) {
        self.event = event
        self.payload = payload
        self.metadata = metadata
    }

    /// The JSON broadcast payload that vsn 1.0.0 sockets and text frames carry:
    /// `{"type":"broadcast","event":…,"payload":…[,"meta":…]}`; `nil` for binary payloads,
    /// which vsn 1.0.0 cannot carry.
    public var jsonBroadcastPayload: JSONValue? {
        guard case let .json(value) = payload else { return nil }
        var o: [String: JSONValue] = ["type": "broadcast", "event": .string(event), "payload": value]
        if let metadata { o["meta"] = metadata }
        return .object(o)
    }

    public var description: String { "UserBroadcast(\(event), \(payload))" }
}

/// The user payload of a binary broadcast frame (encoding byte 0 or 1).
public enum UserPayload: Hashable, Sendable, CustomStringConvertible {
    /// Encoding 0: raw bytes (an `ArrayBuffer` in realtime-js).
    case binary([UInt8])
    /// Encoding 1: any JSON value.
    case json(JSONValue)

    public var description: String {
        switch self {
        case let .binary(b): return "<\(b.count) bytes>"
        case let .json(v): return v.jsonString
        }
    }
}
