import NIOCore
import NIOHTTP1
import RealtimeProtocol

/// Gives a refused WebSocket upgrade Supabase's answer (docs/reference/realtime-protocol.md §1): the status of the
/// refusal (401 for a bad `apikey`, 400 for an unknown `vsn`) and `{"error": …}`.
///
/// HummingbirdWebSocket answers every refused upgrade with an empty 400 of its own and
/// offers no hook to choose the response. So the upgrade decision, which sees the
/// request, installs this handler on the refused connection (`install(_:on:)`); it sits
/// where the HTTP/1 response head is encoded and replaces that empty 400 with the
/// refusal. Nothing else on the connection is touched.
final class RefusedUpgradeResponder: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let refusal: SocketHandshake.Refusal
    /// Set once the refusal went out: a connection carries one refused upgrade.
    private var answered = false

    init(_ refusal: SocketHandshake.Refusal) {
        self.refusal = refusal
    }

    /// Adds the handler to `channel`, which is being refused an upgrade. Hummingbird
    /// adds its HTTP/1 handlers behind it once the refusal is decided, so it sees the
    /// response as NIO HTTP/1 parts.
    static func install(_ refusal: SocketHandshake.Refusal, on channel: any Channel) {
        // Hummingbird asks a synchronous upgrade decision on the event loop; should that
        // ever change, the handler is added asynchronously and at worst misses the 400.
        if channel.eventLoop.inEventLoop {
            try? channel.pipeline.syncOperations.addHandler(RefusedUpgradeResponder(refusal))
        } else {
            channel.pipeline.addHandler(RefusedUpgradeResponder(refusal)).whenFailure { _ in }
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Hummingbird's refusal is a bodiless 400; only that one is replaced.
        guard !answered, case let .head(response) = unwrapOutboundIn(data), response.status == .badRequest else {
            context.write(data, promise: promise)
            return
        }
        answered = true
        let body = context.channel.allocator.buffer(bytes: refusal.body.jsonBytes)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Connection", value: "close")
        let head = HTTPResponseHead(
            version: response.version, status: HTTPResponseStatus(statusCode: Int(refusal.status.code)),
            headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        // The `.end` that follows Hummingbird's head completes the response.
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: promise)
    }
}
