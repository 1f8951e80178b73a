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
