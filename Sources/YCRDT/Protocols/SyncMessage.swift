/// y-protocols sync messages (`y-protocols/sync`), without the provider's outer type byte.
public enum SyncMessage: Hashable, Sendable {
    /// "Here is my state vector."
    case step1(stateVector: [UInt8])
    /// The answer to step 1: the update the other side is missing.
    case step2(update: [UInt8])
    /// An incremental update.
    case update([UInt8])

    public func encode() -> [UInt8] {
        var e = Lib0Encoder()
        switch self {
        case let .step1(sv):
            e.writeVarUInt(0)
            e.writeVarUInt8Array(sv)
        case let .step2(u):
            e.writeVarUInt(1)
            e.writeVarUInt8Array(u)
        case let .update(u):
            e.writeVarUInt(2)
            e.writeVarUInt8Array(u)
        }
        return e.bytes
    }

    /// Decodes one message; the payload is checked to be a valid state vector or update.
    public static func decode(_ bytes: [UInt8]) throws -> SyncMessage {
        var d = Lib0Decoder(bytes)
        let m = try decode(from: &d)
        guard !d.hasContent else { throw YCRDTError.trailingBytes(count: d.remaining) }
        return m
    }

    static func decode(from d: inout Lib0Decoder) throws -> SyncMessage {
        let type = try d.readVarUInt("a sync message type")
        let payload = try d.readVarUInt8Array("a sync message payload")
        switch type {
        case 0:
            _ = try StateVector.decode(payload)
            return .step1(stateVector: payload)
        case 1:
            try YUpdate.validate(payload)
            return .step2(update: payload)
        case 2:
            try YUpdate.validate(payload)
            return .update(payload)
        default:
            throw YCRDTError.unknownMessageType(Int(type))
        }
    }

    /// The reply a peer sends to this message, if any (step 1 → step 2 from `doc`).
    public func reply(from doc: Doc) throws -> SyncMessage? {
        guard case let .step1(sv) = self else { return nil }
        return .step2(update: try doc.encodeStateAsUpdate(since: sv))
    }
}

/// The outer framing used by y-websocket, y-webrtc and most Yjs servers.
public enum ProviderMessage: Hashable, Sendable {
    case sync(SyncMessage)
    /// An encoded `AwarenessUpdate`.
    case awareness([UInt8])
    /// Authentication denied, with the server's reason.
    case permissionDenied(reason: String)
    case queryAwareness

    public func encode() -> [UInt8] {
        var e = Lib0Encoder()
        switch self {
        case let .sync(m):
            e.writeVarUInt(0)
            e.writeBytes(m.encode())
        case let .awareness(u):
            e.writeVarUInt(1)
            e.writeVarUInt8Array(u)
        case let .permissionDenied(reason):
            e.writeVarUInt(2)
            e.writeVarUInt(0)
            e.writeVarString(reason)
        case .queryAwareness:
            e.writeVarUInt(3)
        }
        return e.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws -> ProviderMessage {
        var d = Lib0Decoder(bytes)
        let type = try d.readVarUInt("a message type")
        let m: ProviderMessage
        switch type {
        case 0: m = .sync(try SyncMessage.decode(from: &d))
        case 1:
            let u = try d.readVarUInt8Array("an awareness update")
            _ = try AwarenessUpdate.decode(u)
            m = .awareness(u)
        case 2:
            _ = try d.readVarUInt("an auth message type")
            m = .permissionDenied(reason: try d.readVarString("a reason"))
        case 3: m = .queryAwareness
        default: throw YCRDTError.unknownMessageType(Int(type))
        }
        guard !d.hasContent else { throw YCRDTError.trailingBytes(count: d.remaining) }
        return m
    }
}
