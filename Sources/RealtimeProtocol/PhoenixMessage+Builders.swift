/// Builders for the frames both sides exchange, so their shapes live in one place.
extension PhoenixMessage {
    /// `phx_reply` with `{"status":…,"response":…}`, answering the push `to`.
    public static func reply(to push: PhoenixMessage, status: String = ReplyStatus.ok, response: JSONValue = [:])
        -> PhoenixMessage
    {
        PhoenixMessage(
            joinRef: push.joinRef, ref: push.ref, topic: push.topic, event: PhoenixEvent.reply,
            json: ["status": .string(status), "response": response])
    }

    /// An error reply `{"status":"error","response":{"reason":…}}`.
    public static func errorReply(to push: PhoenixMessage, reason: String, joinRef: String?? = nil) -> PhoenixMessage {
        var m = reply(to: push, status: ReplyStatus.error, response: ["reason": .string(reason)])
        if let joinRef { m.joinRef = joinRef }
        return m
    }

    /// `phx_close` for the channel joined with `joinRef` (both refs are the join ref).
    public static func close(topic: String, joinRef: String?) -> PhoenixMessage {
        PhoenixMessage(joinRef: joinRef, ref: joinRef, topic: topic, event: PhoenixEvent.close, json: [:])
    }

    /// A `system` message from the channel: `{"extension":"system","status":…,"message":…,"channel":<name>}`.
    public static func system(topic: String, joinRef: String?, status: String, message: String) -> PhoenixMessage {
        let channel = RealtimeTopic.channelName(ofTopic: topic) ?? topic
        return PhoenixMessage(
            joinRef: joinRef, ref: nil, topic: topic, event: PhoenixEvent.system,
            json: [
                "extension": "system", "status": .string(status), "message": .string(message),
                "channel": .string(channel)
            ])
    }

    /// A heartbeat push.
    public static func heartbeat(ref: String) -> PhoenixMessage {
        PhoenixMessage(joinRef: nil, ref: ref, topic: RealtimeTopic.phoenix, event: PhoenixEvent.heartbeat, json: [:])
    }

    /// A JSON broadcast payload `{"type":"broadcast","event":…,"payload":…[,"meta":…]}`.
    public static func broadcast(
        topic: String, joinRef: String? = nil, ref: String? = nil, event: String, payload: JSONValue,
        meta: JSONValue? = nil
    ) -> PhoenixMessage {
        var body: [String: JSONValue] = ["type": "broadcast", "event": .string(event), "payload": payload]
        if let meta { body["meta"] = meta }
        return PhoenixMessage(
            joinRef: joinRef, ref: ref, topic: topic, event: PhoenixEvent.broadcast, json: .object(body))
    }

    /// For a `phx_reply`: its status and response.
    public var replyStatus: (status: String, response: JSONValue)? {
        guard event == PhoenixEvent.reply else { return nil }
        switch payload {
        case let .json(value):
            guard let status = value["status"]?.stringValue else { return nil }
            return (status, value["response"] ?? .null)
        case let .binaryReply(status, _):
            return (status, .null)
        default:
            return nil
        }
    }
}
