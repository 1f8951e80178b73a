import Foundation
import Logging
import NIOCore
import NIOWebSocket
import RealtimeProtocol
import WSClient
import XCTest

/// A queue whose `next(timeout:)` gives up after a while, so a missing frame fails a
/// test instead of hanging it.
actor Inbox<Element: Sendable> {
    private var items: [Element] = []
    private var waiter: (id: Int, continuation: CheckedContinuation<Element?, Never>)?
    private var nextWaiterID = 0
    private var finished = false

    func push(_ item: Element) {
        if let waiter {
            self.waiter = nil
            waiter.continuation.resume(returning: item)
        } else {
            items.append(item)
        }
    }

    func finish() {
        finished = true
        if let waiter {
            self.waiter = nil
            waiter.continuation.resume(returning: nil)
        }
    }

    func next(timeout: Duration) async -> Element? {
        if !items.isEmpty { return items.removeFirst() }
        if finished { return nil }
        nextWaiterID += 1
        let id = nextWaiterID
        return await withCheckedContinuation { continuation in
            waiter = (id, continuation)
            Task {
                try? await Task.sleep(for: timeout)
                self.expire(id)
            }
        }
    }

    private func expire(_ id: Int) {
        guard let waiter, waiter.id == id else { return }
        self.waiter = nil
        waiter.continuation.resume(returning: nil)
    }
}

/// Holds the outbound writer of a live WSClient connection.
final class WriterBox: @unchecked Sendable {
    private let lock = NSLock()
    private var writer: WebSocketOutboundWriter?
    var value: WebSocketOutboundWriter? {
        get { lock.withLock { writer } }
        set { lock.withLock { writer = newValue } }
    }
}

/// A Realtime client socket for tests, on swift-websocket's WSClient, speaking raw
/// Phoenix frames so that tests see exactly what the relay sends.
final class TestSocket: Sendable {
    let serializer: PhoenixSerializer
    private let inbox: Inbox<WireFrame>
    private let writer: WriterBox
    private let closeBox: Inbox<UInt16?>
    private let task: Task<Void, Never>
    private let stop: AsyncStream<Void>.Continuation

    static let defaultTimeout: Duration = .seconds(10)

    private init(
        serializer: PhoenixSerializer, inbox: Inbox<WireFrame>, writer: WriterBox, closeBox: Inbox<UInt16?>,
        task: Task<Void, Never>, stop: AsyncStream<Void>.Continuation
    ) {
        self.serializer = serializer
        self.inbox = inbox
        self.writer = writer
        self.closeBox = closeBox
        self.task = task
        self.stop = stop
    }

    /// Connects to `ws://127.0.0.1:<port><path>?vsn=…&apikey=…`; throws if the upgrade is refused.
    static func connect(
        port: Int, vsn: SerializerVersion = .v2, apiKey: String? = nil,
        path: String = "/realtime/v1/websocket"
    ) async throws -> TestSocket {
        var url = "ws://127.0.0.1:\(port)\(path)?vsn=\(vsn.rawValue)"
        if let apiKey { url += "&apikey=\(apiKey)" }
        let (stopStream, stop) = AsyncStream<Void>.makeStream()
        let ready = Inbox<Result<Void, Error>>()
        let inbox = Inbox<WireFrame>()
        let writer = WriterBox()
        let closeBox = Inbox<UInt16?>()
        var logger = Logger(label: "test-socket")
        logger.logLevel = .warning
        let config = WebSocketClientConfiguration(maxFrameSize: 8_000_000, autoPing: .disabled)
        let task = Task {
            do {
                let closeFrame = try await WebSocketClient.connect(url: url, configuration: config, logger: logger) {
                    inbound, outbound, _ in
                    writer.value = outbound
                    await ready.push(.success(()))
                    // Read until the server closes or the test stops the socket.
                    await withTaskGroup(of: Void.self) { group in
                        group.addTask {
                            do {
                                for try await message in inbound.messages(maxSize: 8_000_000) {
                                    switch message {
                                    case let .text(text): await inbox.push(.text(text))
                                    case let .binary(buffer): await inbox.push(.binary(Array(buffer.readableBytesView)))
                                    }
                                }
                            } catch {}
                        }
                        group.addTask {
                            for await _ in stopStream { break }
                        }
                        await group.next()
                        group.cancelAll()
                    }
                }
                await closeBox.push(closeFrame.map { UInt16(webSocketErrorCode: $0.closeCode) })
            } catch {
                await ready.push(.failure(error))
                await closeBox.push(nil)
            }
            await inbox.finish()
        }
        guard let result = await ready.next(timeout: .seconds(10)) else {
            task.cancel()
            throw RelayTestError.timeout("WebSocket connect")
        }
        try result.get()
        return TestSocket(
            serializer: PhoenixSerializer(version: vsn), inbox: inbox, writer: writer, closeBox: closeBox,
            task: task, stop: stop)
    }

    private var liveInbox: Inbox<WireFrame> { inbox }
    private var liveWriter: WriterBox { writer }
    private var liveClose: Inbox<UInt16?> { closeBox }

    // MARK: Sending

    func send(_ message: PhoenixMessage) async throws {
        try await sendFrame(try serializer.encode(message, direction: .clientToServer))
    }

    func sendFrame(_ frame: WireFrame) async throws {
        guard let outbound = liveWriter.value else { throw RelayTestError.timeout("socket not connected") }
        switch frame {
        case let .text(text): try await outbound.write(.text(text))
        case let .binary(bytes): try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
        }
    }

    func sendText(_ text: String) async throws { try await sendFrame(.text(text)) }

    /// `phx_join` with `config`; returns the join reply.
    @discardableResult
    func join(
        _ topic: String, ref: String, config: JoinConfig = JoinConfig(), accessToken: String? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) async throws -> PhoenixMessage {
        try await send(
            PhoenixMessage(
                joinRef: ref, ref: ref, topic: topic, event: PhoenixEvent.join,
                json: config.joinPayload(accessToken: accessToken)))
        return try await expect(event: PhoenixEvent.reply, topic: topic, file: file, line: line)
    }

    // MARK: Receiving

    /// The next frame, decoded; nil on timeout or close.
    func next(timeout: Duration = TestSocket.defaultTimeout) async throws -> PhoenixMessage? {
        guard let frame = await liveInbox.next(timeout: timeout) else { return nil }
        return try serializer.decode(frame, direction: .serverToClient)
    }

    func nextFrame(timeout: Duration = TestSocket.defaultTimeout) async -> WireFrame? {
        await liveInbox.next(timeout: timeout)
    }

    /// The next message with `event` (on `topic`, if given), skipping others.
    func expect(
        event: String, topic: String? = nil, timeout: Duration = TestSocket.defaultTimeout,
        file: StaticString = #filePath, line: UInt = #line
    ) async throws -> PhoenixMessage {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            guard let message = try await next(timeout: deadline - clock.now) else { break }
            if message.event == event && (topic == nil || message.topic == topic) { return message }
        }
        XCTFail("no \(event) on \(topic ?? "any topic") within \(timeout)", file: file, line: line)
        throw RelayTestError.timeout("missing \(event)")
    }

    /// Asserts that nothing arrives for `duration`.
    func expectSilence(for duration: Duration = .milliseconds(400), file: StaticString = #filePath, line: UInt = #line)
        async throws
    {
        if let frame = await liveInbox.next(timeout: duration) {
            XCTFail("unexpected frame \(frame)", file: file, line: line)
        }
    }

    /// The close code the server sent, once the connection has ended (nil: no close frame).
    func closeCode(timeout: Duration = TestSocket.defaultTimeout) async -> UInt16?? {
        await liveClose.next(timeout: timeout)
    }

    /// Closes the connection cleanly (close frame).
    func close() async {
        if let outbound = liveWriter.value {
            try? await outbound.close(.normalClosure, reason: nil)
        }
        stop.yield()
        stop.finish()
        _ = await task.value
    }
}

enum RelayTestError: Error {
    case timeout(String)
}
