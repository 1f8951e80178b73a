import Realtime
import RealtimeProtocol
import YCRDT

/// The awareness states of a document (y-protocols `Awareness`), without timers or
/// transport: the provider feeds it updates and instants and sends what it says.
///
/// Rules as in y-protocols: an entry is accepted when its clock is newer, or equal
/// with a `null` state removing a known one; a remote `null` for the local client is
/// answered by re-announcing with a higher clock; the local state is renewed every
/// `renewInterval`; remote states silent for `timeout` are dropped (their clock is kept,
/// so a late duplicate cannot bring them back).
public struct AwarenessModel: Sendable {
    struct Meta: Sendable {
        var clock: UInt64
        var lastUpdated: ContinuousClock.Instant
    }

    public let localClientID: UInt64
    public let timeout: Duration
    public let renewInterval: Duration

    private(set) var localState: JSONValue?
    private(set) var states: [UInt64: JSONValue] = [:]
    private var meta: [UInt64: Meta] = [:]

    public init(
        localClientID: UInt64, timeout: Duration = .seconds(30), renewInterval: Duration = .seconds(15),
        now: ContinuousClock.Instant = .now
    ) {
        self.localClientID = localClientID
        self.timeout = timeout
        self.renewInterval = renewInterval
        meta[localClientID] = Meta(clock: 0, lastUpdated: now)
    }

    /// The local client's clock.
    var localClock: UInt64 { meta[localClientID]?.clock ?? 0 }

    /// Sets (or with `nil` removes) the local state; bumps the clock.
    public mutating func setLocalState(_ state: JSONValue?, now: ContinuousClock.Instant) {
        localState = state
        meta[localClientID] = Meta(clock: localClock + 1, lastUpdated: now)
    }

    /// The entry to broadcast for the local client.
    public var localEntry: AwarenessUpdate.Entry {
        AwarenessUpdate.Entry(clientID: localClientID, clock: localClock, state: localState?.jsonString ?? "null")
    }

    /// Remote states (never the local one), by client id.
    public var remoteStates: [UInt64: JSONValue] { states }

    /// Applies the entries of a decoded awareness update (`AwarenessUpdate.decode`). Every state is parsed before anything
    /// changes; an entry with invalid JSON rejects the whole update.
    /// - Returns: whether remote states changed, and whether the local state must be
    ///   re-announced (someone declared it removed).
    public mutating func apply(_ entries: [AwarenessUpdate.Entry], now: ContinuousClock.Instant) throws -> (
        changed: Bool, reannounce: Bool
    ) {
        let parsed: [(AwarenessUpdate.Entry, JSONValue)] = try entries.map { entry in
            do {
                return (entry, try JSONValue(parsing: entry.state))
            } catch {
                throw CollabError.malformedMessage(
                    event: CollabEventName.awareness, reason: "client \(entry.clientID) has a state that is not JSON")
            }
        }
        var changed = false
        var reannounce = false
        for (entry, state) in parsed {
            let id = entry.clientID
            if id == localClientID {
                if state.isNull, entry.clock >= localClock, localState != nil {
                    // Never let a peer remove us: announce ourselves again, newer.
                    meta[id] = Meta(clock: entry.clock + 1, lastUpdated: now)
                    reannounce = true
                }
                continue
            }
            let known = meta[id]?.clock
            let removesKnown = entry.clock == known && state.isNull && states[id] != nil
            guard known == nil || entry.clock > known! || removesKnown else { continue }
            meta[id] = Meta(clock: entry.clock, lastUpdated: now)
            if state.isNull {
                if states.removeValue(forKey: id) != nil { changed = true }
            } else if states[id] != state {
                states[id] = state
                changed = true
            }
        }
        return (changed, reannounce)
    }

    /// Drops remote states not renewed within `timeout`. Returns whether any went.
    public mutating func expire(now: ContinuousClock.Instant) -> Bool {
        let outdated = states.keys.filter { id in
            guard let m = meta[id] else { return true }
            return now - m.lastUpdated >= timeout
        }
        for id in outdated { states[id] = nil }
        return !outdated.isEmpty
    }

    /// Drops the states of clients known to have left (their presence left).
    public mutating func remove(clients: Set<UInt64>) -> Bool {
        var changed = false
        for id in clients where id != localClientID {
            if states.removeValue(forKey: id) != nil { changed = true }
        }
        return changed
    }

    /// Whether the local state is due for renewal (half the timeout has passed).
    public func needsRenewal(now: ContinuousClock.Instant) -> Bool {
        guard localState != nil, let m = meta[localClientID] else { return false }
        return now - m.lastUpdated >= renewInterval
    }

    /// Renews the local state: same state, newer clock.
    public mutating func renew(now: ContinuousClock.Instant) {
        meta[localClientID] = Meta(clock: localClock + 1, lastUpdated: now)
    }

    /// Forgets every remote state (the channel dropped; they will be re-announced).
    public mutating func removeAllRemote() -> Bool {
        let had = !states.isEmpty
        states.removeAll()
        return had
    }
}
