import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import RealtimeProtocol

/// The frames of one fan-out message, encoded and framed at most once per serializer
/// version.
///
/// Receivers on the same version get identical bytes, so the hub encodes lazily, on the
/// first receiver of each version, frames the result as a whole WebSocket frame
/// (`ServerFrame`) and hands every socket the same buffer (a `ByteBuffer` is
/// copy-on-write and writing it does not mutate it, so sharing costs no copy).
struct FanoutFrames {
    private let message: PhoenixMessage
    /// `nil`: not encoded yet; `.some(nil)`: this version cannot carry the message
    /// (a binary broadcast for a vsn 1.0.0 socket, docs/reference/realtime-protocol.md §2.3).
    private var v1: ByteBuffer??
    private var v2: ByteBuffer??

    init(_ message: PhoenixMessage) {
        self.message = message
    }

    /// The frame for a socket speaking `version`, or `nil` when that version cannot carry it.
    mutating func frame(for version: SerializerVersion) -> ByteBuffer? {
        switch version {
        case .v1:
            if let cached = v1 { return cached }
            let encoded = Self.encode(message, version: .v1)
            v1 = .some(encoded)
            return encoded
        case .v2:
            if let cached = v2 { return cached }
            let encoded = Self.encode(message, version: .v2)
            v2 = .some(encoded)
            return encoded
        }
    }

    private static func encode(_ message: PhoenixMessage, version: SerializerVersion) -> ByteBuffer? {
        guard let frame = try? PhoenixSerializer(version: version).encode(message, direction: .serverToClient) else {
            return nil
        }
        return ServerFrame.encode(frame)
    }
}

extension WireFrame {
    /// The frame as the WebSocket writer takes it, its bytes in a buffer it can share.
    var outboundFrame: WebSocketOutboundWriter.OutboundFrame {
        switch self {
        case let .text(text):
            // `.text` would copy the string into a new buffer on every write.
            return .custom(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text)))
        case let .binary(bytes):
            return .binary(ByteBuffer(bytes: bytes))
        }
    }
}
