import Realtime
import RealtimeProtocol

/// A selection as two Yjs relative positions, each in its binary encoding
/// (`RelativePosition.encode()`); a caret has `anchor == head`.
public struct CursorPosition: Sendable, Equatable, Hashable {
    public var anchor: [UInt8]
    public var head: [UInt8]

    public init(anchor: [UInt8], head: [UInt8]) {
        self.anchor = anchor
        self.head = head
    }

    /// A caret (empty selection).
    public init(caret: [UInt8]) {
        self.init(anchor: caret, head: caret)
    }
}

/// Another editor's cursor, as its awareness state announces it. The positions are
/// relative, so the editor resolves them against its own document after every change.
public struct RemoteCursor: Sendable, Equatable, Hashable {
    /// The Yjs client id of the remote editor's document.
    public var clientID: UInt64
    public var name: String
    public var color: String
    /// `nil` when that editor shows no cursor (e.g. it lost focus).
    public var position: CursorPosition?
}

/// The awareness state shape Qalam shares, the one Yjs editor bindings use:
/// `{"user": {"name", "color", "id"}, "cursor": {"anchor": <relpos JSON>, "head": <relpos JSON>} | null}`.
public enum AwarenessStateFormat {
    public static func localState(identity: CollabIdentity, cursor: CursorPosition?) -> JSONValue {
        var cursorValue = JSONValue.null
        if let cursor,
            let anchor = RelativePositionJSON.json(fromEncoded: cursor.anchor),
            let head = RelativePositionJSON.json(fromEncoded: cursor.head)
        {
            cursorValue = .object(["anchor": anchor, "head": head])
        }
        return .object([
            "user": .object([
                "name": .string(identity.name),
                "color": .string(identity.color),
                "id": .string(identity.userID)
            ]),
            "cursor": cursorValue
        ])
    }

    /// Cursors of every remote state, sorted by client id. States without a user
    /// still get a cursor, named after their client id.
    public static func cursors(from states: [UInt64: JSONValue]) -> [RemoteCursor] {
        states.keys.sorted().compactMap { id in
            guard let state = states[id], state.objectValue != nil else { return nil }
            let user = state["user"]
            let name = user?["name"]?.stringValue ?? "client \(id)"
            let color =
                user?["color"]?.stringValue.flatMap(UserColor.normalized)
                ?? UserColor.color(for: user?["id"]?.stringValue ?? String(id))
            var position: CursorPosition?
            if let cursor = state["cursor"],
                let anchorJSON = cursor["anchor"], let headJSON = cursor["head"],
                let anchor = RelativePositionJSON.encoded(fromJSON: anchorJSON),
                let head = RelativePositionJSON.encoded(fromJSON: headJSON)
            {
                position = CursorPosition(anchor: anchor, head: head)
            }
            return RemoteCursor(clientID: id, name: name, color: color, position: position)
        }
    }
}
