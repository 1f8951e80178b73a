import NIOCore

/// Turns the flushes of one event-loop tick into a single flush, so frames queued for a
/// socket go out in one `writev` instead of one system call each.
///
/// Hummingbird's WebSocket writer flushes after every frame, and a broadcast to a busy
/// room queues many frames per socket at once: per-frame flushes were the relay's largest
/// cost. This handler sits next to the socket and passes writes through untouched; a
/// flush is postponed to the end of the event loop's current work, which by then holds
/// every write queued meanwhile. Order is unchanged (writes are never reordered, only
/// their flush is later), and a close flushes first, so nothing written is lost.
///
/// Public so that `RelayBenchmark`'s bare fan-out baseline runs with the same flush
/// policy as the relay it is compared with.
public final class FlushCoalescer: ChannelOutboundHandler, RemovableChannelHandler {
    public typealias OutboundIn = Any
    public typealias OutboundOut = Any

    /// A flush was asked for and is scheduled but has not happened yet.
    private var flushPending = false

    public init() {}

    /// Adds the handler next to the socket of an upgrading connection. Called from the
    /// upgrade decision, which Hummingbird runs on the channel's event loop; the handler
    /// stays when the HTTP/1 handlers make way for the WebSocket ones.
    public static func install(on channel: any Channel) {
        if channel.eventLoop.inEventLoop {
            try? channel.pipeline.syncOperations.addHandler(FlushCoalescer(), position: .first)
        } else {
            channel.pipeline.addHandler(FlushCoalescer(), position: .first).whenFailure { _ in }
        }
    }

    public func flush(context: ChannelHandlerContext) {
        guard !flushPending else { return }
        flushPending = true
        // `execute` runs after the tasks already queued on this loop, which include the
        // writes the WebSocket writer handed over meanwhile.
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = loopBound.value
            handler.flushNow(context: context)
        }
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        flushNow(context: context)
        context.close(mode: mode, promise: promise)
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        flushNow(context: context)
    }

    private func flushNow(context: ChannelHandlerContext) {
        guard flushPending else { return }
        flushPending = false
        context.flush()
    }
}
