import NIOCore
import RealtimeProtocol

/// A whole WebSocket data frame as the server sends it: header and payload in one
/// buffer, ready for the socket (RFC 6455 §5.2; server frames are never masked).
///
/// The relay frames each outgoing message once and hands the same buffer to every
/// receiver, so a delivery costs no framing at all: NIO's `WebSocketFrameEncoder`
/// would allocate a header per frame and per receiver, because a buffer shared by
/// many sockets has no room of its own to prepend one.
enum ServerFrame {
    /// FIN set, opcode 0x1 (text).
    private static let text: UInt8 = 0x81
    /// FIN set, opcode 0x2 (binary).
    private static let binary: UInt8 = 0x82

    /// Frames what a serializer encoded.
    static func encode(_ frame: WireFrame, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        switch frame {
        case let .text(text):
            let length = text.utf8.count
            var buffer = allocator.buffer(capacity: headerLength(for: length) + length)
            writeHeader(Self.text, length: length, to: &buffer)
            buffer.writeString(text)
            return buffer
        case let .binary(bytes):
            var buffer = allocator.buffer(capacity: headerLength(for: bytes.count) + bytes.count)
            writeHeader(Self.binary, length: bytes.count, to: &buffer)
            buffer.writeBytes(bytes)
            return buffer
        }
    }

    /// 2 bytes up to 125 bytes of payload, 4 up to 65,535, 10 beyond.
    static func headerLength(for length: Int) -> Int {
        length <= 125 ? 2 : length <= Int(UInt16.max) ? 4 : 10
    }

    private static func writeHeader(_ first: UInt8, length: Int, to buffer: inout ByteBuffer) {
        buffer.writeInteger(first)
        if length <= 125 {
            buffer.writeInteger(UInt8(length))
        } else if length <= Int(UInt16.max) {
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(length))
        } else {
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(length))
        }
    }
}
