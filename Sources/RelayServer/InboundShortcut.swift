import Foundation
import NIOCore
import NIOHTTP1
import NIOWebSocket
import RealtimeProtocol

/// Relays a member's broadcast on the event loop that read it, through the
/// `BroadcastTable`, the way the bare fan-out server does; every other frame goes on
/// up the pipeline to Hummingbird, the socket's reader task and the hub.
///
/// A socket's frames are handled in the order they arrive: while any frame it passed
/// up has not been handled by the hub yet (`pending`), later frames follow it up the
/// same way instead of overtaking it. The reader task reports each message it has
/// handled (`handled()`), on this loop, behind the replies the hub queued for it.
/// Until the hub has numbered the socket (`activate`), and once the reader is closing
/// it for garbage or the client sent its close frame, everything goes up.
///
/// State is touched only on `eventLoop`.
final class InboundShortcut: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame

    let eventLoop: any EventLoop
    private let table: BroadcastTable
    private let serializer: PhoenixSerializer
    private let hub: RelayHub
    private var id: SocketID?
    /// Messages passed up and not yet handled by the hub.
    private var pending = 0
    /// A fragmented message is being passed up.
    private var fragmented = false
    /// The client's close frame was seen, or the reader is closing the socket.
    private var closed = false

    init(eventLoop: any EventLoop, table: BroadcastTable, version: SerializerVersion, maxFrameBytes: Int, hub: RelayHub)
    {
        self.eventLoop = eventLoop
        self.table = table
        self.serializer = PhoenixSerializer(version: version, maxFrameBytes: maxFrameBytes)
        self.hub = hub
    }

    // MARK: From the socket's session

    /// The hub has registered the socket: its broadcasts may take the shortcut.
    func activate(_ id: SocketID) {
        eventLoop.execute { self.id = id }
    }

    /// The reader task has handed one message to the hub, which has queued its answers.
    func handled() {
        eventLoop.execute { self.pending -= 1 }
    }

    /// The reader is closing the socket: nothing more is relayed.
    func stop() {
        eventLoop.execute { self.closed = true }
    }

    // MARK: Channel events

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            // Reserved bits (no extension is negotiated) are Hummingbird's to refuse.
            if frame.fin, frame.reservedBits.isEmpty, !fragmented, pending == 0, !closed, let id,
                relay(frame, from: id)
            {
                return
            }
            if frame.fin { pending += 1 } else { fragmented = true }
        case .continuation:
            if frame.fin {
                fragmented = false
                pending += 1
            }
        case .connectionClose:
            closed = true
        default:
            break
        }
        context.fireChannelRead(data)
    }

    /// Whether the frame was a broadcast the table relayed.
    private func relay(_ frame: WebSocketFrame, from id: SocketID) -> Bool {
        let data = frame.unmaskedData
        let wire: WireFrame
        switch frame.opcode {
        case .text: wire = .text(String(buffer: data))
        default: wire = .binary(Array(data.readableBytesView))
        }
        guard let message = try? serializer.decode(wire, direction: .clientToServer),
            message.event == PhoenixEvent.broadcast, message.topic != RealtimeTopic.phoenix
        else { return false }
        var dropped: [SocketID] = []
        let relayed = table.relay(message, from: id, wireSize: wire.byteCount, dropped: &dropped)
        if !dropped.isEmpty {
            // They have their close frame and get nothing more; the hub ends their presences.
            let (hub, sockets) = (self.hub, dropped)
            Task {
                for socket in sockets { await hub.disconnect(socket) }
            }
        }
        return relayed
    }
}

/// Puts an `InboundShortcut` right after the WebSocket frame decoder once the upgrade
/// has happened, before the frames read with the upgrade request are passed on, so
/// that every frame of the socket passes it. Added at the end of the HTTP pipeline
/// from the upgrade decision; the upgrade handler announces its success to it.
final class ShortcutInstaller: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Any
    typealias InboundOut = Any

    private let shortcut: InboundShortcut

    private init(shortcut: InboundShortcut) {
        self.shortcut = shortcut
    }

    /// Called from the upgrade decision, on the channel's event loop.
    static func install(_ shortcut: InboundShortcut, on channel: any Channel) {
        channel.eventLoop.preconditionInEventLoop()
        try? channel.pipeline.syncOperations.addHandler(ShortcutInstaller(shortcut: shortcut))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is HTTPServerUpgradeEvents {
            let pipeline = context.pipeline.syncOperations
            if let decoder = try? pipeline.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self) {
                try? pipeline.addHandler(shortcut, position: .after(decoder))
            }
            context.fireUserInboundEventTriggered(event)
            pipeline.removeHandler(context: context, promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }
}
