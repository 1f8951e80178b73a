import Foundation
import RealtimeProtocol
import YCRDT

/// What a member who may only read (a viewer) may still broadcast: a sync
/// request such as Qalam's `yjs-sync-step1`, which asks the others for what the
/// sender lacks and carries no document content.
///
/// The relay checks that it is one, not only that its event name is: a JSON
/// object with at most a protocol number, the sender's and the request's ids
/// (short strings) and a Yjs state vector, and nothing else. Otherwise a viewer
/// could put any content in front of every member under a name the relay lets
/// through, or flood the editors with requests they cannot read.
enum ReaderBroadcast {
    /// The fields a sync request may have.
    static let fields: Set<String> = ["protocol", "peer", "request", "stateVector"]
    /// Longest id (`peer`, `request`) in UTF-8 bytes.
    static let maxIDBytes = 200
    /// Longest state vector, in bytes: 64 KiB is several thousand writers.
    static let maxStateVectorBytes = 64 * 1024

    /// Whether `message`, a broadcast push, is a sync request under one of `events`.
    static func isSyncRequest(_ message: PhoenixMessage, events: Set<String>) -> Bool {
        let event: String?
        let payload: JSONValue?
        switch message.payload {
        case let .userBroadcast(broadcast):
            event = broadcast.event
            if case let .json(value) = broadcast.payload { payload = value } else { payload = nil }
        case let .json(value):
            event = value["event"]?.stringValue
            payload = value["payload"]
        default:
            return false
        }
        guard let event, events.contains(event), let fields = payload?.objectValue else { return false }
        return isSyncRequest(fields)
    }

    private static func isSyncRequest(_ fields: [String: JSONValue]) -> Bool {
        guard Set(fields.keys).isSubset(of: Self.fields) else { return false }
        if let version = fields["protocol"], version.intValue == nil { return false }
        for id in ["peer", "request"] {
            if let value = fields[id] {
                guard let text = value.stringValue, text.utf8.count <= maxIDBytes else { return false }
            }
        }
        guard let vector = fields["stateVector"] else { return true }
        let bytes: [UInt8]?
        if let text = vector.stringValue {
            bytes = text.utf8.count <= maxStateVectorBytes * 4 / 3 + 4 ? Data(base64Encoded: text).map(Array.init) : nil
        } else {
            bytes = vector.byteArrayValue
        }
        guard let bytes, bytes.count <= maxStateVectorBytes else { return false }
        return (try? YUpdate.decodeStateVector(bytes)) != nil
    }
}
