import NIOCore
import NIOWebSocket

/// One upgraded socket: registers in its room, forwards data frames to the others,
/// answers pings and close handshakes.
final class FanoutHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let room: String
    private let rooms: RoomRegistry
    private var closing = false

    init(room: String, rooms: RoomRegistry) {
        self.room = room
        self.rooms = rooms
    }

    func handlerAdded(context: ChannelHandlerContext) {
        rooms.join(room, context.channel)
    }

    func channelInactive(context: ChannelHandlerContext) {
        rooms.leave(room, context.channel)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary, .continuation:
            // Client frames arrive masked; server frames must not be.
            let forwarded = WebSocketFrame(fin: frame.fin, opcode: frame.opcode, data: frame.unmaskedData)
            let me = context.channel
            for peer in rooms.members(of: room) where peer !== me {
                peer.writeAndFlush(forwarded, promise: nil)
            }
        case .ping:
            context.writeAndFlush(
                wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            guard !closing else {
                context.close(promise: nil)
                return
            }
            closing = true
            var data = frame.unmaskedData
            let code = data.readSlice(length: 2) ?? ByteBuffer()
            let reply = WebSocketFrame(fin: true, opcode: .connectionClose, data: code)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(reply)).whenComplete { _ in channel.close(promise: nil) }
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
