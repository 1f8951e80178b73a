/// The vsn 2.0.0 binary frame layouts of docs/reference/realtime-protocol.md §2.3. Every length field is one
/// byte counting UTF-8 bytes, so each string field is at most 255 bytes.
enum BinaryFrameCodec {
    static let kindPush: UInt8 = 0
    static let kindReply: UInt8 = 1
    static let kindBroadcast: UInt8 = 2
    static let kindUserBroadcastPush: UInt8 = 3
    static let kindUserBroadcast: UInt8 = 4

    static let encodingBinary: UInt8 = 0
    static let encodingJSON: UInt8 = 1

    private static func field(_ s: String?, _ name: String) throws -> [UInt8] {
        let bytes = Array((s ?? "").utf8)
        guard bytes.count <= 255 else { throw RealtimeProtocolError.fieldTooLong(field: name, length: bytes.count) }
        return bytes
    }

    private static func assemble(kind: UInt8, fields: [[UInt8]], extraHeader: [UInt8] = [], body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [kind]
        out.reserveCapacity(1 + fields.count + extraHeader.count + fields.reduce(0) { $0 + $1.count } + body.count)
        for f in fields { out.append(UInt8(f.count)) }
        out.append(contentsOf: extraHeader)
        for f in fields { out.append(contentsOf: f) }
        out.append(contentsOf: body)
        return out
    }

    /// Kind 0: client→server carries join_ref, ref, topic, event; server→client has no ref.
    /// A server→client message without join_ref is a Phoenix broadcast, kind 2.
    static func encodePush(_ m: PhoenixMessage, bytes: [UInt8], direction: FrameDirection) throws -> [UInt8] {
        let topic = try field(m.topic, "topic")
        let event = try field(m.event, "event")
        switch direction {
        case .clientToServer:
            return assemble(
                kind: kindPush, fields: [try field(m.joinRef, "join_ref"), try field(m.ref, "ref"), topic, event],
                body: bytes)
        case .serverToClient:
            if m.joinRef == nil {
                return assemble(kind: kindBroadcast, fields: [topic, event], body: bytes)
            }
            return assemble(kind: kindPush, fields: [try field(m.joinRef, "join_ref"), topic, event], body: bytes)
        }
    }

    /// Kind 1 (server→client).
    static func encodeReply(_ m: PhoenixMessage, status: String, response: [UInt8]) throws -> [UInt8] {
        assemble(
            kind: kindReply,
            fields: [
                try field(m.joinRef, "join_ref"), try field(m.ref, "ref"), try field(m.topic, "topic"),
                try field(status, "status")
            ],
            body: response)
    }

    /// Kind 3 (client→server, with refs) or kind 4 (server→client, without).
    static func encodeUserBroadcast(_ m: PhoenixMessage, _ b: UserBroadcast, direction: FrameDirection) throws
        -> [UInt8]
    {
        let encoding: UInt8
        let body: [UInt8]
        switch b.payload {
        case let .binary(bytes):
            encoding = encodingBinary
            body = bytes
        case let .json(value):
            encoding = encodingJSON
            body = value.jsonBytes
        }
        let topic = try field(m.topic, "topic")
        let event = try field(b.event, "user_event")
        let metadata = try field(b.metadata.flatMap { $0.isNull ? nil : $0.jsonString }, "metadata")
        switch direction {
        case .clientToServer:
            return assemble(
                kind: kindUserBroadcastPush,
                fields: [try field(m.joinRef, "join_ref"), try field(m.ref, "ref"), topic, event, metadata],
                extraHeader: [encoding], body: body)
        case .serverToClient:
            return assemble(
                kind: kindUserBroadcast, fields: [topic, event, metadata], extraHeader: [encoding], body: body)
        }
    }

    // MARK: Decoding

    /// Reads the header of `fieldCount` length bytes (+ `extra` header bytes) and slices the fields.
    private static func split(_ bytes: [UInt8], fieldCount: Int, extra: Int = 0) throws -> (
        fields: [ArraySlice<UInt8>], extra: [UInt8], body: [UInt8]
    ) {
        let kind = bytes.first ?? 0
        let headerSize = 1 + fieldCount + extra
        guard bytes.count >= headerSize else {
            throw RealtimeProtocolError.truncatedBinaryFrame(kind: kind, needed: headerSize, available: bytes.count)
        }
        let lengths = bytes[1...fieldCount].map(Int.init)
        let needed = headerSize + lengths.reduce(0, +)
        guard bytes.count >= needed else {
            throw RealtimeProtocolError.truncatedBinaryFrame(kind: kind, needed: needed, available: bytes.count)
        }
        var offset = headerSize
        var fields: [ArraySlice<UInt8>] = []
        for length in lengths {
            fields.append(bytes[offset..<offset + length])
            offset += length
        }
        return (fields, Array(bytes[(1 + fieldCount)..<headerSize]), Array(bytes[offset...]))
    }

    private static func text(_ slice: ArraySlice<UInt8>, _ name: String) throws -> String {
        guard let s = String(validating: slice, as: UTF8.self) else {
            throw RealtimeProtocolError.invalidUTF8(field: name)
        }
        return s
    }

    private static func optionalText(_ slice: ArraySlice<UInt8>, _ name: String) throws -> String? {
        slice.isEmpty ? nil : try text(slice, name)
    }

    static func decode(_ bytes: [UInt8], direction: FrameDirection) throws -> PhoenixMessage {
        guard let kind = bytes.first else {
            throw RealtimeProtocolError.truncatedBinaryFrame(kind: 0, needed: 1, available: 0)
        }
        switch (kind, direction) {
        case (kindPush, .clientToServer):
            let (f, _, body) = try split(bytes, fieldCount: 4)
            return PhoenixMessage(
                joinRef: try optionalText(f[0], "join_ref"), ref: try optionalText(f[1], "ref"),
                topic: try text(f[2], "topic"), event: try text(f[3], "event"), payload: .binary(body))
        case (kindPush, .serverToClient):
            let (f, _, body) = try split(bytes, fieldCount: 3)
            return PhoenixMessage(
                joinRef: try optionalText(f[0], "join_ref"), ref: nil,
                topic: try text(f[1], "topic"), event: try text(f[2], "event"), payload: .binary(body))
        case (kindReply, .serverToClient):
            let (f, _, body) = try split(bytes, fieldCount: 4)
            return PhoenixMessage(
                joinRef: try optionalText(f[0], "join_ref"), ref: try optionalText(f[1], "ref"),
                topic: try text(f[2], "topic"), event: PhoenixEvent.reply,
                payload: .binaryReply(status: try text(f[3], "status"), response: body))
        case (kindBroadcast, .serverToClient):
            let (f, _, body) = try split(bytes, fieldCount: 2)
            return PhoenixMessage(
                topic: try text(f[0], "topic"), event: try text(f[1], "event"), payload: .binary(body))
        case (kindUserBroadcastPush, .clientToServer):
            let (f, extra, body) = try split(bytes, fieldCount: 5, extra: 1)
            let broadcast = try userBroadcast(event: f[3], metadata: f[4], encoding: extra[0], body: body)
            return PhoenixMessage(
                joinRef: try optionalText(f[0], "join_ref"), ref: try optionalText(f[1], "ref"),
                topic: try text(f[2], "topic"), event: PhoenixEvent.broadcast, payload: .userBroadcast(broadcast))
        case (kindUserBroadcast, .serverToClient):
            let (f, extra, body) = try split(bytes, fieldCount: 3, extra: 1)
            let broadcast = try userBroadcast(event: f[1], metadata: f[2], encoding: extra[0], body: body)
            return PhoenixMessage(
                topic: try text(f[0], "topic"), event: PhoenixEvent.broadcast, payload: .userBroadcast(broadcast))
        default:
            throw RealtimeProtocolError.unknownBinaryKind(kind)
        }
    }

    private static func userBroadcast(
        event: ArraySlice<UInt8>, metadata: ArraySlice<UInt8>, encoding: UInt8, body: [UInt8]
    ) throws -> UserBroadcast {
        let name = try text(event, "user_event")
        // Spelled out: JSONValue is ExpressibleByNilLiteral, so a bare `nil` here would become `.null`.
        var meta = Optional<JSONValue>.none
        if !metadata.isEmpty {
            let parsed = try JSONValue(parsing: Array(metadata))
            // `null` metadata means none, as an absent field does; encoding writes it as absent too.
            if !parsed.isNull { meta = parsed }
        }
        switch encoding {
        case encodingBinary:
            return UserBroadcast(event: name, payload: .binary(body), metadata: meta)
        case encodingJSON:
            return UserBroadcast(event: name, payload: .json(try JSONValue(parsing: body)), metadata: meta)
        default:
            throw RealtimeProtocolError.unknownEncoding(encoding)
        }
    }
}
