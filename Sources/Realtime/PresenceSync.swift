import RealtimeProtocol

/// A presence change, as phoenix `presence.js` reports it.
///
/// Presences are given in realtime-js's public shape: each meta object as the
/// tracking client sent it, plus `presence_ref` (the server's `phx_ref`), without
/// `phx_ref`/`phx_ref_prev`.
public enum PresenceChange: Sendable, Equatable {
    /// The state was brought up to date (after every `presence_state` and `presence_diff`).
    case sync
    /// Metas joined under `key`. `current` are the metas stored before the join
    /// (empty for a new key), `joined` the new ones.
    case join(key: String, current: [JSONValue], joined: [JSONValue])
    /// Metas left `key`. `current` are the metas that remain (empty when the key is gone).
    case leave(key: String, current: [JSONValue], left: [JSONValue])
}

/// One tracked presence: a meta object and the server's `phx_ref` for it.
struct PresenceMeta: Sendable, Equatable {
    let ref: String
    /// The meta object as received, `phx_ref` and `phx_ref_prev` included.
    let object: [String: JSONValue]

    /// The meta in realtime-js's public shape.
    var publicValue: JSONValue {
        var o = object
        o["phx_ref"] = nil
        o["phx_ref_prev"] = nil
        o["presence_ref"] = .string(ref)
        return .object(o)
    }
}

/// A `presence_diff` payload: joins and leaves by key.
struct PresenceDelta: Sendable, Equatable {
    var joins: [(key: String, metas: [PresenceMeta])]
    var leaves: [(key: String, metas: [PresenceMeta])]

    static func == (a: PresenceDelta, b: PresenceDelta) -> Bool {
        a.joins.map(\.key) == b.joins.map(\.key) && a.joins.map(\.metas) == b.joins.map(\.metas)
            && a.leaves.map(\.key) == b.leaves.map(\.key) && a.leaves.map(\.metas) == b.leaves.map(\.metas)
    }
}

/// Why a presence payload was refused; the state is left as it was.
public enum PresenceError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)

    public var description: String {
        switch self {
        case let .malformed(reason): return "malformed presence payload: \(reason)"
        }
    }
}

/// The presence state of one channel, kept in sync from `presence_state` and
/// `presence_diff` exactly as phoenix `presence.js` does.
///
/// Diffs that arrive before the `presence_state` of the current join are queued
/// and replayed after it, so a diff is never applied to a state it does not belong to.
struct PresenceSync: Sendable, Equatable {
    /// key → metas, in the order presence.js keeps them.
    private(set) var entries: [String: [PresenceMeta]] = [:]
    /// Keys in first-seen order, so events and views are deterministic.
    private(set) var keyOrder: [String] = []
    private var pendingDiffs: [PresenceDelta] = []
    /// The join the current state belongs to; `nil` until a `presence_state` arrived.
    private var syncedJoinRef: String?

    /// Whether diffs are being queued because no `presence_state` for `joinRef` arrived yet.
    func isPendingSync(joinRef: String?) -> Bool {
        syncedJoinRef == nil || syncedJoinRef != joinRef
    }

    /// The public view: key → metas with `presence_ref`.
    var view: [String: [JSONValue]] {
        entries.mapValues { $0.map(\.publicValue) }
    }

    /// Applies a `presence_state` payload received for `joinRef`, then any diffs
    /// queued before it. Returns the join/leave events followed by `.sync`.
    mutating func applyState(_ payload: JSONValue, joinRef: String?) throws -> [PresenceChange] {
        let newState = try Self.decodeEntries(payload, what: "presence_state")
        var events = [PresenceChange]()
        var next = self
        next.syncedJoinRef = joinRef
        next.syncState(newState, events: &events)
        for diff in next.pendingDiffs {
            next.syncDiff(diff, events: &events)
        }
        next.pendingDiffs = []
        events.append(.sync)
        self = next
        return events
    }

    /// Applies a `presence_diff` payload, or queues it while the state of `joinRef`
    /// has not arrived yet (then it returns no events).
    mutating func applyDiff(_ payload: JSONValue, joinRef: String?) throws -> [PresenceChange] {
        let diff = try Self.decodeDiff(payload)
        if isPendingSync(joinRef: joinRef) {
            pendingDiffs.append(diff)
            return []
        }
        var events = [PresenceChange]()
        syncDiff(diff, events: &events)
        events.append(.sync)
        return events
    }

    /// Forgets everything (the channel was left).
    mutating func reset() {
        self = PresenceSync()
    }

    // MARK: - presence.js syncState / syncDiff

    /// Computes the diff between the stored state and a full new state and applies it.
    private mutating func syncState(_ newState: [(key: String, metas: [PresenceMeta])], events: inout [PresenceChange])
    {
        var diff = PresenceDelta(joins: [], leaves: [])
        let newKeys = Set(newState.map(\.key))
        for key in keyOrder where !newKeys.contains(key) {
            if let metas = entries[key] { diff.leaves.append((key, metas)) }
        }
        for (key, newMetas) in newState {
            guard let current = entries[key] else {
                diff.joins.append((key, newMetas))
                continue
            }
            let newRefs = Set(newMetas.map(\.ref))
            let currentRefs = Set(current.map(\.ref))
            let joined = newMetas.filter { !currentRefs.contains($0.ref) }
            let left = current.filter { !newRefs.contains($0.ref) }
            if !joined.isEmpty { diff.joins.append((key, joined)) }
            if !left.isEmpty { diff.leaves.append((key, left)) }
        }
        syncDiff(diff, events: &events)
    }

    /// Applies joins (keeping earlier metas of the key in front) and then leaves.
    private mutating func syncDiff(_ diff: PresenceDelta, events: inout [PresenceChange]) {
        for (key, joined) in diff.joins {
            let current = entries[key]
            let joinedRefs = Set(joined.map(\.ref))
            let kept = (current ?? []).filter { !joinedRefs.contains($0.ref) }
            entries[key] = kept + joined
            if current == nil, !keyOrder.contains(key) { keyOrder.append(key) }
            events.append(
                .join(key: key, current: (current ?? []).map(\.publicValue), joined: joined.map(\.publicValue)))
        }
        for (key, left) in diff.leaves {
            guard let current = entries[key] else { continue }
            let leftRefs = Set(left.map(\.ref))
            let remaining = current.filter { !leftRefs.contains($0.ref) }
            events.append(.leave(key: key, current: remaining.map(\.publicValue), left: left.map(\.publicValue)))
            if remaining.isEmpty {
                entries[key] = nil
                keyOrder.removeAll { $0 == key }
            } else {
                entries[key] = remaining
            }
        }
    }

    // MARK: - Decoding (complete before anything is applied)

    static func decodeDiff(_ payload: JSONValue) throws -> PresenceDelta {
        guard case let .object(members) = payload else {
            throw PresenceError.malformed("presence_diff payload is not an object")
        }
        let joins = try members["joins"].map { try decodeEntries($0, what: "presence_diff joins") } ?? []
        let leaves = try members["leaves"].map { try decodeEntries($0, what: "presence_diff leaves") } ?? []
        return PresenceDelta(joins: joins, leaves: leaves)
    }

    /// `{key: {metas: [{phx_ref: …, …}, …]}, …}`, keys sorted so that event order
    /// does not depend on dictionary order.
    static func decodeEntries(_ value: JSONValue, what: String) throws -> [(key: String, metas: [PresenceMeta])] {
        guard case let .object(members) = value else {
            throw PresenceError.malformed("\(what) is not an object")
        }
        return try members.keys.sorted().map { key in
            guard case let .array(metas)? = members[key]?["metas"] else {
                throw PresenceError.malformed("\(what) entry \(key) has no metas array")
            }
            let decoded = try metas.map { meta -> PresenceMeta in
                guard case let .object(object) = meta else {
                    throw PresenceError.malformed("\(what) entry \(key) has a meta that is not an object")
                }
                guard case let .string(ref)? = object["phx_ref"] else {
                    throw PresenceError.malformed("\(what) entry \(key) has a meta without a phx_ref string")
                }
                return PresenceMeta(ref: ref, object: object)
            }
            return (key, decoded)
        }
    }
}
