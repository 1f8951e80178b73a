import Realtime
import RealtimeProtocol

/// One editor session with the document open now (a terminal, a browser tab),
/// built from the channel's presence state. One person with two terminals is two
/// entries: "sam" and "sam (2)".
public struct OnlineUser: Sendable, Equatable, Hashable {
    /// The person (stable across their sessions).
    public var userID: String
    /// The person's own name.
    public var name: String
    /// The name to show: `name` for the person's first session and "name (2)",
    /// "name (3)"… for the later ones, numbered by when they came online, so every
    /// screen numbers them alike.
    public var label: String
    public var color: String
    /// The Yjs client id of this session's editor, when it announced one.
    public var clientID: UInt64?
    /// Whether this is the session asking (marked "(you)" on its own screen only).
    public var isSelf: Bool

    public init(userID: String, name: String, label: String, color: String, clientID: UInt64?, isSelf: Bool) {
        self.userID = userID
        self.name = name
        self.label = label
        self.color = color
        self.clientID = clientID
        self.isSelf = isSelf
    }
}

/// Turns a presence state (`key → metas`) into the presence panel's list: one
/// entry per editor session (per meta), sorted by name then person then session
/// number, so the list does not jump around; colours stable per person.
public enum PresenceRoster {
    /// - Parameter selfClientID: the asking editor's Yjs client id: only its own
    ///   session is marked as self, not the same person's other terminals.
    public static func users(from state: [String: [JSONValue]], selfClientID: UInt64) -> [OnlineUser] {
        struct Session {
            var user: OnlineUser
            var since: String
            var tiebreak: String
        }
        var sessions: [Session] = []
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
                let user = OnlineUser(
                    userID: userID, name: name, label: name, color: color, clientID: clientID,
                    isSelf: clientID == selfClientID)
                let tiebreak = clientID.map { String($0) } ?? meta["presence_ref"]?.stringValue ?? ""
                sessions.append(Session(user: user, since: meta["online_at"]?.stringValue ?? "", tiebreak: tiebreak))
            }
        }
        // Number each person's sessions by when they came online (ties by client id).
        var byPerson: [String: [Int]] = [:]
        for (i, session) in sessions.enumerated() { byPerson[session.user.userID, default: []].append(i) }
        var ordinal = [Int](repeating: 1, count: sessions.count)
        for indices in byPerson.values {
            let ordered = indices.sorted {
                (sessions[$0].since, sessions[$0].tiebreak) < (sessions[$1].since, sessions[$1].tiebreak)
            }
            for (n, i) in ordered.enumerated() {
                ordinal[i] = n + 1
                if n > 0 { sessions[i].user.label = "\(sessions[i].user.name) (\(n + 1))" }
            }
        }
        return sessions.indices
            .sorted {
                let a = sessions[$0].user
                let b = sessions[$1].user
                return (a.name.lowercased(), a.userID, ordinal[$0]) < (b.name.lowercased(), b.userID, ordinal[$1])
            }
            .map { sessions[$0].user }
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
