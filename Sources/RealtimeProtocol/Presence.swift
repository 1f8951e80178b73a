/// Presence as it travels in `presence_state` and `presence_diff` (docs/reference/realtime-protocol.md §6):
/// key → list of metas, each meta a JSON object with a `phx_ref`.
public struct PresenceState: Hashable, Sendable {
    /// Key → metas (JSON objects).
    public var entries: [String: [JSONValue]]

    /// A state holding `entries` (key → metas).
    public init(entries: [String: [JSONValue]] = [:]) {
        self.entries = entries
    }

    /// Parses `{"<key>":{"metas":[…]}, …}`; entries without a `metas` array are skipped.
    public init(json: JSONValue) {
        var entries = [String: [JSONValue]]()
        for (key, value) in json.objectValue ?? [:] {
            if let metas = value["metas"]?.arrayValue { entries[key] = metas }
        }
        self.entries = entries
    }

    /// `{"<key>":{"metas":[…]}, …}`.
    public var json: JSONValue {
        .object(entries.mapValues { ["metas": .array($0)] })
    }

    /// Whether no key is present.
    public var isEmpty: Bool { entries.isEmpty }
}

/// The payload of `presence_diff`: `{"joins":{…},"leaves":{…}}`.
public struct PresenceDiff: Hashable, Sendable {
    /// Metas that appeared, by key.
    public var joins: PresenceState
    /// Metas that went away, by key.
    public var leaves: PresenceState

    /// A diff of `joins` and `leaves`.
    public init(joins: PresenceState = PresenceState(), leaves: PresenceState = PresenceState()) {
        self.joins = joins
        self.leaves = leaves
    }

    /// Parses `{"joins":{…},"leaves":{…}}`; a missing side is empty.
    public init(json: JSONValue) {
        joins = PresenceState(json: json["joins"] ?? [:])
        leaves = PresenceState(json: json["leaves"] ?? [:])
    }

    /// `{"joins":{…},"leaves":{…}}`.
    public var json: JSONValue { ["joins": joins.json, "leaves": leaves.json] }
}

/// Presence push events (matched case-insensitively by the server).
public enum PresenceEvent {
    /// Start (or update) this client's presence with a meta.
    public static let track = "track"
    /// Remove this client's presence.
    public static let untrack = "untrack"
}
