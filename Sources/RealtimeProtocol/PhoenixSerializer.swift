/// A WebSocket frame as the serializers see it.
public enum WireFrame: Hashable, Sendable {
    case text(String)
    case binary([UInt8])

    /// Size in bytes on the wire (UTF-8 for text).
    public var byteCount: Int {
        switch self {
        case let .text(s): return s.utf8.count
        case let .binary(b): return b.count
        }
    }
}

/// Which side sent a frame; some binary kinds and the V1 `join_ref` depend on it.
public enum FrameDirection: Sendable {
    case clientToServer
    case serverToClient
}

/// The Phoenix serializer versions Supabase Realtime speaks (query parameter `vsn`).
public enum SerializerVersion: String, Sendable, CaseIterable {
    /// JSON object text frames.
    case v1 = "1.0.0"
    /// JSON array text frames plus binary frames.
    case v2 = "2.0.0"

    /// The version a `vsn` query value selects: missing → 1.0.0; `1.0.x` → 1.0.0;
    /// `2.0.x` → 2.0.0 (Elixir's `~> 1.0.0` / `~> 2.0.0`); anything else is refused.
    public init(vsn: String?) throws {
        guard let vsn, !vsn.isEmpty else {
            self = .v1
            return
        }
        let parts = vsn.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
            parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
        else {
            throw RealtimeProtocolError.unsupportedVersion(vsn)
        }
        switch (parts[0], parts[1]) {
        case ("1", "0"): self = .v1
        case ("2", "0"): self = .v2
        default: throw RealtimeProtocolError.unsupportedVersion(vsn)
        }
    }
}

/// Encodes and decodes Phoenix messages for one serializer version, exactly as the
/// Supabase Realtime server and realtime-js do (docs/reference/realtime-protocol.md §2). Decoding validates
/// everything and throws `RealtimeProtocolError`; it never traps on any input.
public struct PhoenixSerializer: Sendable {
    /// The Realtime server's inbound WebSocket frame limit.
    public static let defaultMaxFrameBytes = 5_000_000

    /// The wire format this serializer reads and writes.
    public var version: SerializerVersion
    /// Frames larger than this are refused before parsing.
    public var maxFrameBytes: Int

    /// A serializer for `version` that refuses frames over `maxFrameBytes`.
    public init(version: SerializerVersion, maxFrameBytes: Int = PhoenixSerializer.defaultMaxFrameBytes) {
        self.version = version
        self.maxFrameBytes = maxFrameBytes
    }

    // MARK: Encoding

    /// The frame for `message` sent in `direction`.
    ///
    /// - vsn 1.0.0: JSON objects; server→client frames omit `join_ref`. A JSON user
    ///   broadcast is written as an ordinary `broadcast` payload; binary payloads throw
    ///   `.unsupported` (V1 sockets cannot receive them: the relay skips them).
    /// - vsn 2.0.0: JSON payloads as arrays; binary payloads as binary frames of the
    ///   kind the direction calls for.
    public func encode(_ message: PhoenixMessage, direction: FrameDirection) throws -> WireFrame {
        switch version {
        case .v1: return .text(try encodeV1(message, direction: direction))
        case .v2: return try encodeV2(message, direction: direction)
        }
    }

    private func jsonPayload(_ message: PhoenixMessage) throws -> JSONValue {
        switch message.payload {
        case let .json(value):
            return value
        case let .userBroadcast(broadcast):
            guard let json = broadcast.jsonBroadcastPayload else {
                throw RealtimeProtocolError.unsupported("a binary broadcast cannot be sent as JSON (vsn 1.0.0)")
            }
            return json
        case .binary, .binaryReply:
            throw RealtimeProtocolError.unsupported("binary payloads need vsn 2.0.0")
        }
    }

    private static func ref(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }

    private func encodeV1(_ message: PhoenixMessage, direction: FrameDirection) throws -> String {
        var o: [String: JSONValue] = [
            "topic": .string(message.topic),
            "event": .string(message.event),
            "payload": try jsonPayload(message),
            "ref": Self.ref(message.ref)
        ]
        if direction == .clientToServer { o["join_ref"] = Self.ref(message.joinRef) }
        return JSONValue.object(o).jsonString
    }

    private func encodeV2(_ message: PhoenixMessage, direction: FrameDirection) throws -> WireFrame {
        switch message.payload {
        case let .json(value):
            let array: JSONValue = [
                Self.ref(message.joinRef), Self.ref(message.ref), .string(message.topic), .string(message.event), value
            ]
            return .text(array.jsonString)
        case let .binary(bytes):
            return .binary(try BinaryFrameCodec.encodePush(message, bytes: bytes, direction: direction))
        case let .binaryReply(status, response):
            guard direction == .serverToClient else {
                throw RealtimeProtocolError.unsupported("binary replies (kind 1) are sent by servers only")
            }
            return .binary(try BinaryFrameCodec.encodeReply(message, status: status, response: response))
        case let .userBroadcast(broadcast):
            return .binary(try BinaryFrameCodec.encodeUserBroadcast(message, broadcast, direction: direction))
        }
    }

    // MARK: Decoding

    /// The message a received frame carries.
    public func decode(_ frame: WireFrame, direction: FrameDirection) throws -> PhoenixMessage {
        guard frame.byteCount <= maxFrameBytes else {
            throw RealtimeProtocolError.frameTooLarge(size: frame.byteCount, limit: maxFrameBytes)
        }
        switch frame {
        case let .text(text):
            let json = try JSONValue(parsing: Array(text.utf8))
            switch version {
            case .v1: return try decodeV1(json)
            case .v2: return try decodeV2(json)
            }
        case let .binary(bytes):
            guard version == .v2 else {
                throw RealtimeProtocolError.unsupported("binary frames need vsn 2.0.0")
            }
            return try BinaryFrameCodec.decode(bytes, direction: direction)
        }
    }

    /// Refs are strings or null; numbers are accepted (some clients send them) as their decimal text.
    private static func decodeRef(_ value: JSONValue?, field: String) throws -> String? {
        switch value {
        case nil, .null?: return nil
        case let .string(s)?: return s
        case let .integer(i)?: return String(i)
        default: throw RealtimeProtocolError.malformedMessage("\(field) must be a string or null")
        }
    }

    private static func requireString(_ value: JSONValue?, field: String) throws -> String {
        guard case let .string(s)? = value else {
            throw RealtimeProtocolError.malformedMessage("\(field) must be a string")
        }
        return s
    }

    private static func requireObject(_ value: JSONValue?) throws -> JSONValue {
        guard case .object? = value else {
            throw RealtimeProtocolError.malformedMessage("payload must be a JSON object")
        }
        return value ?? .null
    }

    private func decodeV1(_ json: JSONValue) throws -> PhoenixMessage {
        guard case let .object(o) = json else {
            throw RealtimeProtocolError.malformedMessage("a vsn 1.0.0 frame must be a JSON object")
        }
        // The server's V1 decoder requires the key `ref` to be present, even when null.
        guard o.keys.contains("ref") else {
            throw RealtimeProtocolError.malformedMessage("missing key ref")
        }
        return PhoenixMessage(
            joinRef: try Self.decodeRef(o["join_ref"], field: "join_ref"),
            ref: try Self.decodeRef(o["ref"], field: "ref"),
            topic: try Self.requireString(o["topic"], field: "topic"),
            event: try Self.requireString(o["event"], field: "event"),
            payload: .json(try Self.requireObject(o["payload"])))
    }

    private func decodeV2(_ json: JSONValue) throws -> PhoenixMessage {
        // Extra trailing elements are accepted, as the server does.
        guard case let .array(a) = json, a.count >= 5 else {
            throw RealtimeProtocolError.malformedMessage(
                "a vsn 2.0.0 text frame must be an array [join_ref, ref, topic, event, payload]")
        }
        return PhoenixMessage(
            joinRef: try Self.decodeRef(a[0], field: "join_ref"),
            ref: try Self.decodeRef(a[1], field: "ref"),
            topic: try Self.requireString(a[2], field: "topic"),
            event: try Self.requireString(a[3], field: "event"),
            payload: .json(try Self.requireObject(a[4])))
    }
}
