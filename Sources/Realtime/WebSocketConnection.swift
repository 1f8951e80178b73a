import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOWebSocket
import WSClient

/// What a `WebSocketConnection` reports to its owner.
enum SocketEvent: Sendable {
    /// The WebSocket handshake succeeded.
    case opened
    /// A complete text or binary message arrived.
    case text(String)
    case binary([UInt8])
    /// The connection ended (or never opened); `error` says why, when it failed.
    case closed(code: Int?, reason: String?, error: String?)
}

/// One WebSocket connection, run by swift-websocket's `WebSocketClient` on a task
/// of its own.
///
/// Outbound frames go through a queue drained by a single writer, so the order of
/// `send` calls is the order on the wire and senders never wait for the network.
/// Every event is tagged with the connection's `id`, so that an owner that has
/// moved on to a newer connection can ignore a dying one.
final class WebSocketConnection: Sendable {
    enum Outbound: Sendable {
        case text(String)
        case binary([UInt8])
        case close(code: WebSocketErrorCode, reason: String)
    }

    let id: Int
    private let outbound: AsyncStream<Outbound>.Continuation
    private let task: Task<Void, Never>

    /// Starts connecting at once; events arrive through `onEvent`, in order,
    /// `.opened` first (if the handshake succeeds) and `.closed` last.
    init(
        id: Int,
        url: String,
        tls: TLSConfiguration?,
        maxFrameSize: Int,
        logger: Logger,
        onEvent: @escaping @Sendable (Int, SocketEvent) async -> Void
    ) {
        self.id = id
        let (stream, continuation) = AsyncStream<Outbound>.makeStream()
        self.outbound = continuation
        self.task = Task {
            var configuration = WebSocketClientConfiguration(
                maxFrameSize: maxFrameSize, closeTimeout: .seconds(3))
            configuration.ignoreUncleanSSLShutdownErrors = true
            let client = WebSocketClient(
                url: url, configuration: configuration, tlsConfiguration: tls, logger: logger
            ) { inbound, writer, _ in
                await onEvent(id, .opened)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await item in stream {
                            switch item {
                            case let .text(text): try await writer.write(.text(text))
                            case let .binary(bytes): try await writer.write(.binary(ByteBuffer(bytes: bytes)))
                            case let .close(code, reason):
                                try await writer.close(code, reason: reason)
                                return
                            }
                        }
                    }
                    // The reader ends when the server closes or answers our close frame.
                    for try await message in inbound.messages(maxSize: maxFrameSize) {
                        switch message {
                        case let .text(text): await onEvent(id, .text(text))
                        case let .binary(buffer): await onEvent(id, .binary(Array(buffer.readableBytesView)))
                        }
                    }
                    group.cancelAll()
                }
            }
            do {
                let closeFrame = try await client.run()
                await onEvent(
                    id,
                    .closed(
                        code: closeFrame.map { Self.number(of: $0.closeCode) },
                        reason: closeFrame?.reason, error: nil))
            } catch {
                await onEvent(id, .closed(code: nil, reason: nil, error: "\(error)"))
            }
            continuation.finish()
        }
    }

    /// Queues a frame; dropped silently once the connection is closing.
    func send(_ item: Outbound) {
        outbound.yield(item)
    }

    /// Sends a close frame and stops writing. When `abandon` is set the connection
    /// is also torn down without waiting for the server's answer (used when the
    /// server stopped answering heartbeats).
    func close(code: WebSocketErrorCode = .normalClosure, reason: String, abandon: Bool = false) {
        outbound.yield(.close(code: code, reason: reason))
        outbound.finish()
        if abandon { task.cancel() }
    }

    private static func number(of code: WebSocketErrorCode) -> Int {
        Int(UInt16(webSocketErrorCode: code))
    }
}
