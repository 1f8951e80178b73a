import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// The floor the relay is measured against: a WebSocket server on plain SwiftNIO
/// that forwards every text or binary frame to the other sockets of the same room
/// (the request path), with no Phoenix protocol, no auth, no limits and no queues
/// beyond NIO's own.
enum BareFanoutServer {
    /// Binds `127.0.0.1:port` (0 picks a free port) and returns the bound port; the
    /// server runs until the process ends.
    static func start(port: Int) async throws -> Int {
        let rooms = RoomRegistry()
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: 1 << 20,
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
            upgradePipelineHandler: { channel, head in
                channel.pipeline.addHandler(FanoutHandler(room: head.uri, rooms: rooms))
            })
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.backlog, value: 512)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(
                    withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
            }
            .bind(host: "127.0.0.1", port: port)
            .get()
        guard let bound = channel.localAddress?.port else {
            throw BenchmarkError.serverStart("the bare server bound no port")
        }
        return bound
    }
}

/// Which sockets are in which room. Read on every frame from every event loop; a lock
/// held only to copy an array reference is the cheapest correct choice here.
final class RoomRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var rooms: [String: [Channel]] = [:]

    func join(_ room: String, _ channel: Channel) {
        lock.withLock { rooms[room, default: []].append(channel) }
    }

    func leave(_ room: String, _ channel: Channel) {
        lock.withLock {
            rooms[room]?.removeAll { $0 === channel }
            if rooms[room]?.isEmpty == true { rooms[room] = nil }
        }
    }

    func members(of room: String) -> [Channel] {
        lock.withLock { rooms[room] ?? [] }
    }
}

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
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
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
