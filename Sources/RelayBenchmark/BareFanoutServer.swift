import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import RelayServer

/// The floor the relay is measured against: a WebSocket server on plain SwiftNIO
/// that forwards every text or binary frame to the other sockets of the same room
/// (the request path), with no Phoenix protocol, no auth, no limits and no queues
/// beyond NIO's own.
///
/// Its sockets flush like the relay's: the relay's own `FlushCoalescer` sits next to
/// each socket and turns the flushes of one event-loop tick into one, so a burst of
/// frames for a socket leaves in one `writev` on both servers and the comparison
/// measures the relay's work, not a difference in system calls.
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
                FlushCoalescer.install(on: channel)
                return channel.pipeline.configureHTTPServerPipeline(
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
