import Logging
import NIOCore
import NIOWebSocket
import RealtimeProtocol
import WSClient

/// A simulated user on one plain WSClient socket.
///
/// With `.phoenix` it speaks Realtime vsn 2.0.0 as realtime-js does: `phx_join` as a
/// JSON array text frame, broadcasts as binary kind-3 frames, and it decodes every
/// kind-4 frame it receives through `PhoenixSerializer`. With `.bare` it sends the
/// payload as a text frame to the bare fan-out server's `/room/<n>`.
struct RawSocketClient: LoadClient {
    enum Dialect: Sendable {
        case phoenix
        case bare
    }

    let dialect: Dialect
    static let maxFrameBytes = 1 << 20
    private static let logger = Logger(label: "relay-benchmark.client", factory: { _ in SwiftLogNoOpLogHandler() })

    func run(_ plan: ClientPlan, tally: ClientTally) async {
        let url: String
        switch dialect {
        case .phoenix: url = "ws://127.0.0.1:\(plan.port)/realtime/v1/websocket?apikey=relay-benchmark&vsn=2.0.0"
        case .bare: url = "ws://127.0.0.1:\(plan.port)/room/\(plan.room)"
        }
        let dialect = self.dialect
        do {
            try await WebSocketClient.connect(
                url: url, configuration: .init(maxFrameSize: Self.maxFrameBytes, closeTimeout: .seconds(5)),
                logger: Self.logger
            ) { inbound, outbound, _ in
                var messages = inbound.messages(maxSize: Self.maxFrameBytes).makeAsyncIterator()
                let serializer = PhoenixSerializer(version: .v2)
                let topic = RealtimeTopic.topic(forChannel: plan.channelName)
                if dialect == .phoenix {
                    try await Self.join(topic: topic, serializer: serializer, inbound: &messages, outbound: outbound)
                }
                tally.markReady()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        var ref = 1
                        await plan.sendAll(tally: tally) { bytes in
                            switch dialect {
                            case .bare:
                                try await outbound.write(
                                    .custom(.init(fin: true, opcode: .text, data: ByteBuffer(bytes: bytes))))
                            case .phoenix:
                                ref += 1
                                let push = PhoenixMessage(
                                    joinRef: "1", ref: String(ref), topic: topic, event: PhoenixEvent.broadcast,
                                    payload: .userBroadcast(UserBroadcast(event: "load", payload: .binary(bytes))))
                                guard case let .binary(frame) = try serializer.encode(push, direction: .clientToServer)
                                else {
                                    throw BenchmarkError.clientFailed(
                                        "PhoenixSerializer did not encode the broadcast as a binary kind-3 frame")
                                }
                                try await outbound.write(.binary(ByteBuffer(bytes: frame)))
                            }
                        }
                        _ = await plan.stop.wait()
                        try await outbound.close(.normalClosure, reason: nil)
                    }
                    while let message = try await messages.next() {
                        Self.tallyMessage(message, dialect: dialect, serializer: serializer, tally: tally)
                    }
                    try await group.waitForAll()
                }
            }
        } catch {
            tally.fail("\(error)")
        }
    }

    private static func join(
        topic: String, serializer: PhoenixSerializer,
        inbound: inout WebSocketInboundMessageStream.AsyncIterator,
        outbound: WebSocketOutboundWriter
    ) async throws {
        let join = PhoenixMessage(
            joinRef: "1", ref: "1", topic: topic, event: PhoenixEvent.join,
            json: JoinConfig().joinPayload())
        guard case let .text(text) = try serializer.encode(join, direction: .clientToServer) else { return }
        try await outbound.write(.text(text))
        while let message = try await inbound.next() {
            guard case let .text(text) = message,
                let reply = try? serializer.decode(.text(text), direction: .serverToClient),
                reply.event == PhoenixEvent.reply, reply.ref == "1"
            else { continue }
            guard let (status, response) = reply.replyStatus, status == ReplyStatus.ok else {
                throw JoinRefused(reason: reply.replyStatus.map { "\($0.response)" } ?? "unreadable reply")
            }
            _ = response
            return
        }
        throw JoinRefused(reason: "the socket closed before the join reply")
    }

    private static func tallyMessage(
        _ message: WebSocketMessage, dialect: Dialect, serializer: PhoenixSerializer, tally: ClientTally
    ) {
        switch (dialect, message) {
        case let (.bare, .text(text)):
            tally.receive(text.utf8)
        case let (.bare, .binary(buffer)):
            tally.receive(buffer.readableBytesView)
        case let (.phoenix, .binary(buffer)):
            // Decode the whole frame, as a real client must, before counting it.
            guard
                let decoded = try? serializer.decode(
                    .binary(Array(buffer.readableBytesView)), direction: .serverToClient),
                case let .userBroadcast(broadcast) = decoded.payload,
                case let .binary(bytes) = broadcast.payload
            else {
                tally.foreignFrame()
                return
            }
            tally.receive(bytes)
        case (.phoenix, .text):
            // Replies, presence and system messages: not load.
            tally.foreignFrame()
        }
    }
}

/// The relay answered a `phx_join` with an error.
struct JoinRefused: Error, CustomStringConvertible {
    let reason: String
    var description: String { "join refused: \(reason)" }
}
