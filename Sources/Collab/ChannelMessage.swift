import Foundation
import Realtime
import RealtimeProtocol

/// The broadcast events a Qalam document channel carries.
///
/// `yjs-update` is the web app's contract and must stay exactly as it is; the other
/// events are Qalam's own, so a web client that only knows `yjs-update` ignores them.
public enum CollabEventName {
    /// An incremental Yjs v1 update: `{"update": [byte, …]}`.
    public static let update = "yjs-update"
    /// "Here is my state vector; send me what I lack."
    public static let syncStep1 = "yjs-sync-step1"
    /// The diff that answers a step 1.
    public static let syncStep2 = "yjs-sync-step2"
    /// A y-protocols awareness update carrying cursors.
    public static let awareness = "yjs-awareness"
}

/// Qalam's version of its own sync events; peers refuse newer versions loudly
/// instead of misreading them.
public let collabProtocolVersion = 1

/// "Send me what I lack": a peer's state vector, tagged so that answers can be matched.
public struct SyncRequest: Equatable, Sendable {
    /// The sending provider (random per provider instance).
    public var peer: String
    /// Unique per request, so several answerers can see each other's answers.
    public var request: String
    /// The requester's Yjs state vector (v1 encoding).
    public var stateVector: [UInt8]
}

/// One part of the answer to a `SyncRequest`.
public struct SyncAnswer: Equatable, Sendable {
    /// The answering provider.
    public var peer: String
    /// The request this answers.
    public var request: String
    /// The requesting provider.
    public var to: String
    /// A Yjs v1 update, valid on its own; parts are applied in order.
    public var update: [UInt8]
    /// The answerer's whole state vector, so other answerers can tell whether the
    /// requester now has everything they would have sent.
    public var stateVector: [UInt8]
    /// 0-based part number and the number of parts of this answer.
    public var part: Int
    public var parts: Int
}

/// A decoded broadcast of the document channel.
public enum ChannelMessage: Equatable, Sendable {
    case update([UInt8])
    case syncStep1(SyncRequest)
    case syncStep2(SyncAnswer)
    case awareness([UInt8])

    /// The broadcast event name.
    public var event: String {
        switch self {
        case .update: return CollabEventName.update
        case .syncStep1: return CollabEventName.syncStep1
        case .syncStep2: return CollabEventName.syncStep2
        case .awareness: return CollabEventName.awareness
        }
    }

    /// The JSON payload as sent. `yjs-update` uses the web app's number array;
    /// Qalam's own events carry base64 (a quarter of the size) and a protocol version.
    public var payload: JSONValue {
        switch self {
        case let .update(bytes):
            return .object(["update": JSONValue(bytes: bytes)])
        case let .awareness(bytes):
            return .object(["update": JSONValue(bytes: bytes), "protocol": .integer(Int64(collabProtocolVersion))])
        case let .syncStep1(request):
            return .object([
                "protocol": .integer(Int64(collabProtocolVersion)),
                "peer": .string(request.peer),
                "request": .string(request.request),
                "stateVector": .string(Data(request.stateVector).base64EncodedString())
            ])
        case let .syncStep2(answer):
            return .object([
                "protocol": .integer(Int64(collabProtocolVersion)),
                "peer": .string(answer.peer),
                "request": .string(answer.request),
                "to": .string(answer.to),
                "update": .string(Data(answer.update).base64EncodedString()),
                "stateVector": .string(Data(answer.stateVector).base64EncodedString()),
                "part": .integer(Int64(answer.part)),
                "parts": .integer(Int64(answer.parts))
            ])
        }
    }

    /// Decodes a broadcast. Returns `nil` for events this layer does not handle
    /// (other applications may share the channel); throws for a known event
    /// whose payload is malformed, so nothing half-read is ever applied.
    public static func decode(event: String, payload: UserPayload) throws -> ChannelMessage? {
        switch event {
        case CollabEventName.update:
            return .update(try bytes(in: payload, key: "update", event: event))
        case CollabEventName.awareness:
            if case let .json(value) = payload { try checkVersion(value, event: event) }
            return .awareness(try bytes(in: payload, key: "update", event: event))
        case CollabEventName.syncStep1:
            let object = try jsonObject(payload, event: event)
            try checkVersion(.object(object), event: event)
            return .syncStep1(
                SyncRequest(
                    peer: try string(object, "peer", event: event),
                    request: try string(object, "request", event: event),
                    stateVector: try bytes(object["stateVector"], field: "stateVector", event: event)))
        case CollabEventName.syncStep2:
            let object = try jsonObject(payload, event: event)
            try checkVersion(.object(object), event: event)
            let part = object["part"]?.intValue ?? 0
            let parts = object["parts"]?.intValue ?? 1
            guard parts >= 1, part >= 0, part < parts else {
                throw CollabError.malformedMessage(event: event, reason: "part \(part) of \(parts) is impossible")
            }
            return .syncStep2(
                SyncAnswer(
                    peer: try string(object, "peer", event: event),
                    request: try string(object, "request", event: event),
                    to: try string(object, "to", event: event),
                    update: try bytes(object["update"], field: "update", event: event),
                    stateVector: try bytes(object["stateVector"], field: "stateVector", event: event),
                    part: part, parts: parts))
        default:
            return nil
        }
    }

    // MARK: - Field decoding

    private static func jsonObject(_ payload: UserPayload, event: String) throws -> [String: JSONValue] {
        guard case let .json(value) = payload, let object = value.objectValue else {
            throw CollabError.malformedMessage(event: event, reason: "the payload is not a JSON object")
        }
        return object
    }

    private static func checkVersion(_ value: JSONValue, event: String) throws {
        guard let version = value["protocol"] else { return }
        guard let number = version.intValue else {
            throw CollabError.malformedMessage(event: event, reason: "protocol is not a number")
        }
        if number > collabProtocolVersion {
            throw CollabError.protocolMismatch(event: event, theirs: number, ours: collabProtocolVersion)
        }
    }

    private static func string(_ object: [String: JSONValue], _ key: String, event: String) throws -> String {
        guard let value = object[key]?.stringValue, !value.isEmpty, value.utf8.count <= 200 else {
            throw CollabError.malformedMessage(event: event, reason: "\(key) is missing or not a short string")
        }
        return value
    }

    /// The bytes of `payload`: raw binary, or `payload[key]` as a number array or base64.
    static func bytes(in payload: UserPayload, key: String, event: String) throws -> [UInt8] {
        switch payload {
        case let .binary(raw):
            return raw
        case let .json(value):
            // AlexDunmow/y-supabase sends the bare array; accept it too.
            if case .array = value { return try bytes(value, field: key, event: event) }
            return try bytes(value[key], field: key, event: event)
        }
    }

    /// A byte field given as a JSON number array or a base64 string.
    static func bytes(_ value: JSONValue?, field: String, event: String) throws -> [UInt8] {
        switch value {
        case let .string(text)?:
            guard let data = Data(base64Encoded: text) else {
                throw CollabError.malformedMessage(event: event, reason: "\(field) is a string but not base64")
            }
            return [UInt8](data)
        case let value? where value.arrayValue != nil:
            guard let bytes = value.byteArrayValue else {
                throw CollabError.malformedMessage(
                    event: event, reason: "\(field) has an element that is not a byte (0…255)")
            }
            return bytes
        default:
            throw CollabError.malformedMessage(
                event: event, reason: "\(field) is missing (expected a byte array or base64)")
        }
    }
}
