import Realtime
import RealtimeProtocol

/// A person editing the document now, built from the channel's presence state.
public struct OnlineUser: Sendable, Equatable, Hashable {
    public var userID: String
    public var name: String
    public var color: String
    /// The Yjs client ids of this person's editors (one per open window).
    public var clientIDs: [UInt64]
    /// Whether this is the local user.
    public var isSelf: Bool

    public init(userID: String, name: String, color: String, clientIDs: [UInt64], isSelf: Bool) {
        self.userID = userID
        self.name = name
        self.color = color
        self.clientIDs = clientIDs
        self.isSelf = isSelf
    }
}

/// Turns a presence state (`key → metas`) into the presence panel's list: one
/// entry per `user_id` however many windows that person has open, sorted by name
/// then id so the list does not jump around, colors stable per user.
public enum PresenceRoster {
    public static func users(from state: [String: [JSONValue]], selfUserID: String) -> [OnlineUser] {
        var byUser: [String: OnlineUser] = [:]
        for key in state.keys.sorted() {
            for meta in state[key] ?? [] {
                // Metas from clients that do not follow the contract still count as someone.
                let userID =
                    meta["user_id"]?.stringValue
                    ?? meta["presence_ref"]?.stringValue
                    ?? key
                let name = meta["name"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? userID
                let color = meta["color"]?.stringValue.flatMap(UserColor.normalized) ?? UserColor.color(for: userID)
                let clientID = meta["client_id"].flatMap(clientIDValue)
                if var existing = byUser[userID] {
                    if let clientID, !existing.clientIDs.contains(clientID) { existing.clientIDs.append(clientID) }
                    byUser[userID] = existing
                } else {
                    byUser[userID] = OnlineUser(
                        userID: userID, name: name, color: color,
                        clientIDs: clientID.map { [$0] } ?? [],
                        isSelf: userID == selfUserID)
                }
            }
        }
        return byUser.values
            .map { user in
                var u = user
                u.clientIDs.sort()
                return u
            }
            .sorted { ($0.name.lowercased(), $0.userID) < ($1.name.lowercased(), $1.userID) }
    }

    /// Every Yjs client id present in the state.
    public static func clientIDs(in state: [String: [JSONValue]]) -> Set<UInt64> {
        Set(state.values.joined().compactMap { $0["client_id"].flatMap(clientIDValue) })
    }

    /// A client id written as a number (Yjs) or a decimal string.
    static func clientIDValue(_ value: JSONValue) -> UInt64? {
        if let i = value.intValue, i >= 0 { return UInt64(i) }
        if let s = value.stringValue { return UInt64(s) }
        return nil
    }
}
