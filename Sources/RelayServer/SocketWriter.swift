import Foundation
import NIOCore

/// The relay's end of one socket's outbound path: frames the hub has already framed
/// (`ServerFrame`) go straight into the connection on its event loop.
///
/// Every delivery used to travel through an `AsyncStream`, the socket's writer task,
/// Hummingbird's WebSocket actor, `NIOAsyncWriter` and an event-loop hop of its own,
/// then through NIO's frame encoder, which allocated a header for it: several thread
/// hand-offs and locks per frame, the relay's largest cost under load. Now the hub
/// groups a fan-out's frames by event loop (`OutboundBatch`) and each loop writes its
/// share in one task.
///
/// The handler sits next to the `FlushCoalescer`, below the WebSocket encoder, so its
/// frames reach the socket untouched. Like `NIOAsyncWriter` it respects writability:
/// while the connection holds more than NIO's high-water mark, frames wait here (and
/// count against the socket's `OutboundBacklog`), so a subscriber that stops reading
/// is bounded and cut by the hub instead of growing NIO's buffer. Writes coming down
/// the pipeline (Hummingbird's close handshake, pongs) wait behind held frames, so a
/// close frame never overtakes the messages queued before it.
///
/// State is touched only on `eventLoop`; the hub holds the object and hands it frames
/// through `OutboundBatch`, which hops to that loop.
final class SocketWriter: ChannelDuplexHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = Any
    typealias InboundOut = Any
    typealias OutboundIn = Any
    typealias OutboundOut = Any

    /// Something written but not yet passed on, in order.
    private enum Held {
        /// A frame from the hub; its bytes are still counted in the backlog.
        case frame(ByteBuffer)
        /// A write from further up the pipeline, with its promise.
        case passThrough(NIOAny, EventLoopPromise<Void>?)
    }

    let eventLoop: any EventLoop
    /// What the hub has handed over and the connection not yet taken.
    let backlog: OutboundBacklog
    private var context: ChannelHandlerContext?
    private var held = CircularBuffer<Held>()

    private init(eventLoop: any EventLoop, backlog: OutboundBacklog) {
        self.eventLoop = eventLoop
        self.backlog = backlog
    }

    /// Adds a `FlushCoalescer` and a writer next to the socket of an upgrading
    /// connection. Called from the upgrade decision, which Hummingbird runs on the
    /// channel's event loop; both handlers stay when the HTTP/1 handlers make way for
    /// the WebSocket ones.
    static func install(on channel: any Channel, backlog: OutboundBacklog) -> SocketWriter {
        let writer = SocketWriter(eventLoop: channel.eventLoop, backlog: backlog)
        let coalescer = FlushCoalescer()
        if channel.eventLoop.inEventLoop {
            try? channel.pipeline.syncOperations.addHandler(coalescer, position: .first)
            try? channel.pipeline.syncOperations.addHandler(writer, position: .after(coalescer))
        } else {
            channel.pipeline.addHandler(coalescer, position: .first).flatMap {
                channel.pipeline.addHandler(writer, position: .after(coalescer))
            }.whenFailure { _ in }
        }
        return writer
    }

    // MARK: From the hub (on the event loop)

    /// Writes a framed message, or holds it while the connection is not writable.
    /// A writer whose socket is gone drops it.
    func write(_ frame: ByteBuffer) {
        eventLoop.preconditionInEventLoop()
        guard let context else {
            backlog.remove(frame.readableBytes)
            return
        }
        if held.isEmpty && context.channel.isWritable {
            backlog.remove(frame.readableBytes)
            context.write(NIOAny(frame), promise: nil)
        } else {
            held.append(.frame(frame))
        }
    }

    /// Asks for a flush; the `FlushCoalescer` below makes it one per event-loop tick.
    func flush() {
        context?.flush()
    }

    /// Closes the connection now, dropping what it still holds: for a peer that has
    /// stopped reading, whose close frame would otherwise wait behind its backlog
    /// forever (keeping the socket, its buffers and the relay's shutdown waiting).
    func abort() {
        eventLoop.execute { self.context?.close(promise: nil) }
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        while let item = held.popFirst() {
            switch item {
            case let .frame(frame): backlog.remove(frame.readableBytes)
            case let .passThrough(_, promise): promise?.fail(ChannelError.ioOnClosedChannel)
            }
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if held.isEmpty {
            context.write(data, promise: promise)
        } else {
            held.append(.passThrough(data, promise))
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, !held.isEmpty {
            drain(context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    /// Passes held writes on while the connection takes them.
    private func drain(context: ChannelHandlerContext) {
        while context.channel.isWritable, let item = held.popFirst() {
            switch item {
            case let .frame(frame):
                backlog.remove(frame.readableBytes)
                context.write(NIOAny(frame), promise: nil)
            case let .passThrough(data, promise):
                context.write(data, promise: promise)
            }
        }
        context.flush()
    }
}

/// The bytes queued for one socket and not yet handed to its connection: the hub
/// adds, the socket's `SocketWriter` subtracts. A lock rather than an actor: the hub
/// must decide without suspending.
final class OutboundBacklog: @unchecked Sendable {
    let limit: Int
    private let lock = NSLock()
    // Guarded by `lock`:
    private var bytes = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// Adds `count` bytes; false (adding nothing) when that would pass the limit.
    func add(_ count: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard bytes + count <= limit else { return false }
        bytes += count
        return true
    }

    func remove(_ count: Int) {
        lock.lock()
        bytes = max(0, bytes - count)
        lock.unlock()
    }

    /// The close reason a socket past its limit is sent (code 1008).
    var overflowReason: String { "too slow: more than \(max(1, limit >> 20)) MB of messages unread" }

    var queuedBytes: Int {
        lock.lock()
        defer { lock.unlock() }
        return bytes
    }
}

/// Frames for several sockets, grouped by event loop, so that a fan-out costs one
/// hop per loop instead of one per receiver. The hub fills one and submits it; each
/// loop then writes its frames in the order they were added and asks each socket
/// for a flush.
struct OutboundBatch {
    /// One frame for one socket.
    private struct Delivery {
        let writer: SocketWriter
        let frame: ByteBuffer
    }

    /// The deliveries of one event loop. (Structs, not tuples: a tuple's type metadata
    /// is looked up at run time, which showed in profiles of the fan-out.)
    private struct Group {
        let loop: any EventLoop
        var deliveries: [Delivery]
    }

    private var groups: [Group] = []

    var isEmpty: Bool { groups.isEmpty }

    mutating func add(_ frame: ByteBuffer, to writer: SocketWriter) {
        for index in groups.indices where groups[index].loop === writer.eventLoop {
            groups[index].deliveries.append(Delivery(writer: writer, frame: frame))
            return
        }
        groups.append(Group(loop: writer.eventLoop, deliveries: [Delivery(writer: writer, frame: frame)]))
    }

    /// Hands each loop its frames. Batches submitted one after another reach a socket
    /// in that order: a loop runs its tasks in the order they were queued.
    func submit() {
        for group in groups {
            let deliveries = group.deliveries
            group.loop.execute {
                for delivery in deliveries { delivery.writer.write(delivery.frame) }
                for delivery in deliveries { delivery.writer.flush() }
            }
        }
    }
}
