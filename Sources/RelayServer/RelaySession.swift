import Foundation
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import RealtimeProtocol

/// One WebSocket connection: a reader that decodes frames and hands them to the hub,
/// and a writer task for the close handshake (messages reach the socket through its
/// `SocketWriter`). Whichever ends first ends the other. A member's plain broadcasts
/// never reach the reader: the socket's `InboundShortcut` relays them.
enum RelaySession {
    static func run(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, writer: SocketWriter,
        shortcut: InboundShortcut, hub: RelayHub, version: SerializerVersion, apiKey: String?, authorizer: Authorizer,
        challenge: ChallengeResponder?,
        limits: RelayLimits,
        closeGrace: Duration, logger: Logger
    ) async {
        let (stream, continuation) = AsyncStream<Outbound>.makeStream(
            bufferingPolicy: .bufferingOldest(limits.maxQueuedFrames))
        guard let id = await hub.connect(version: version, apiKey: apiKey, outbound: continuation, writer: writer)
        else {
            try? await outbound.close(.init(codeNumber: 1012), reason: "server restarting")
            return
        }
        shortcut.activate(id)
        let serializer = PhoenixSerializer(version: version, maxFrameBytes: limits.maxFrameBytes)

        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await write(
                    stream, to: outbound, writer: writer, serializer: serializer, closeGrace: closeGrace, logger: logger
                )
            }
            group.addTask {
                do {
                    // After a frame that closes the socket, the reader keeps draining
                    // (and ignoring) input instead of ending: ending it would cancel
                    // the writer before it has sent the close frame with its code.
                    var closing = false
                    for try await message in inbound.messages(maxSize: limits.maxFrameBytes) where !closing {
                        let keepGoing = await handle(
                            message, id: id, hub: hub, serializer: serializer, apiKey: apiKey, authorizer: authorizer,
                            challenge: challenge, continuation: continuation, logger: logger)
                        if keepGoing {
                            shortcut.handled()
                        } else {
                            closing = true
                            shortcut.stop()
                        }
                    }
                } catch {
                    logger.debug("socket read ended", metadata: ["error": "\(error)"])
                }
            }
            await group.next()
            group.cancelAll()
        }
        await hub.disconnect(id)
    }

    /// Returns false when the socket is being closed for garbage.
    private static func handle(
        _ message: WebSocketMessage, id: SocketID, hub: RelayHub, serializer: PhoenixSerializer, apiKey: String?,
        authorizer: Authorizer, challenge: ChallengeResponder?, continuation: AsyncStream<Outbound>.Continuation,
        logger: Logger
    ) async -> Bool {
        let frame: WireFrame
        switch message {
        case let .text(text): frame = .text(text)
        case let .binary(buffer): frame = .binary(Array(buffer.readableBytesView))
        }
        do {
            let decoded = try serializer.decode(frame, direction: .clientToServer)
            if let challenge, decoded.topic == RealtimeTopic.phoenix, decoded.event == PhoenixEvent.qalamChallenge,
                let nonce = decoded.json?["challenge"]?.stringValue
            {
                // The editor waits for this proof before it sends anything else.
                await hub.answer(
                    id, .reply(to: decoded, response: ["proof": .string(challenge.proof(for: nonce))]))
                return true
            }
            // Joins and token refreshes are authorized here, where waiting for the
            // database holds up only this socket (whose frames are handled in order),
            // and the hub applies the verdict in one step.
            let verdict = await verdict(for: decoded, id: id, hub: hub, apiKey: apiKey, authorizer: authorizer)
            await hub.receive(id, decoded, wireSize: frame.byteCount, verdict: verdict)
            return true
        } catch {
            await hub.touch(id)
            switch frame {
            case .binary:
                // Undecodable binary data cannot be answered (no ref to reply to): close with 1003.
                logger.info("closing a socket that sent an undecodable binary frame", metadata: ["error": "\(error)"])
                continuation.yield(.close(code: 1003, reason: closeReason("\(error)")))
                return false
            case let .text(text):
                // Supabase drops malformed text frames and keeps the socket. When the frame
                // still names a topic and ref, the sender gets an error reply it can match.
                logger.info("dropping a malformed frame", metadata: ["error": "\(error)"])
                if let (topic, ref, joinRef) = salvageAddress(text, version: serializer.version) {
                    await hub.rejectMalformed(
                        id, topic: topic, ref: ref, joinRef: joinRef, reason: "MalformedMessage: \(error)")
                }
                return true
            }
        }
    }

    /// The authorizer's verdict on a join or an `access_token` push; `nil` for other messages.
    private static func verdict(
        for message: PhoenixMessage, id: SocketID, hub: RelayHub, apiKey: String?, authorizer: Authorizer
    ) async -> ChannelVerdict? {
        guard message.topic != RealtimeTopic.phoenix else { return nil }
        switch message.event {
        case PhoenixEvent.join:
            return await authorizer.join(topic: message.topic, payload: message.json, socketKey: apiKey)
        case PhoenixEvent.accessToken:
            guard let token = message.json?["access_token"]?.stringValue, !token.hasPrefix("sb_"),
                let channel = await hub.joinedChannel(id, topic: message.topic)
            else { return nil }
            return await authorizer.refresh(topic: message.topic, token: token, isPrivate: channel.isPrivate)
        default:
            return nil
        }
    }

    /// Topic and refs of a frame that is JSON but not a valid message, if recognisable.
    private static func salvageAddress(_ text: String, version: SerializerVersion) -> (String, String?, String?)? {
        guard text.utf8.count < 1_000_000, let json = try? JSONValue(parsing: text) else { return nil }
        switch json {
        case let .array(a) where a.count >= 3:
            guard let topic = a[2].stringValue, let ref = a[1].stringValue else { return nil }
            return (topic, ref, a[0].stringValue)
        case .object:
            guard let topic = json["topic"]?.stringValue, let ref = json["ref"]?.stringValue else { return nil }
            return (topic, ref, json["join_ref"]?.stringValue)
        default:
            return nil
        }
    }

    /// Close reasons must fit in 123 bytes.
    static func closeReason(_ s: String) -> String {
        var out = ""
        for ch in s {
            if out.utf8.count + String(ch).utf8.count > 120 { break }
            out.append(ch)
        }
        return out
    }

    private static func write(
        _ stream: AsyncStream<Outbound>, to outbound: WebSocketOutboundWriter, writer: SocketWriter,
        serializer: PhoenixSerializer, closeGrace: Duration, logger: Logger
    ) async {
        do {
            for await item in stream {
                switch item {
                case let .message(message):
                    let frame: WireFrame
                    do {
                        frame = try serializer.encode(message, direction: .serverToClient)
                    } catch {
                        // A binary broadcast for a vsn 1.0.0 socket: it cannot receive those (docs/reference/realtime-protocol.md §2.3).
                        continue
                    }
                    try await outbound.write(frame.outboundFrame)
                case let .close(code, reason):
                    try await close(
                        outbound, writer: writer, code: .init(codeNumber: Int(code)), reason: closeReason(reason),
                        grace: closeGrace)
                    // Give the peer time to answer the close handshake, then stop reading.
                    try await Task.sleep(for: closeGrace)
                    return
                }
            }
            // The queue was finished by the hub (socket dropped or already gone).
            try await close(
                outbound, writer: writer, code: .policyViolation, reason: "connection dropped by the relay",
                grace: closeGrace)
        } catch {
            logger.debug("socket write ended", metadata: ["error": "\(error)"])
        }
    }

    /// Sends the close frame. A peer that stopped reading (a subscriber dropped at
    /// its byte bound) never takes it: it waits behind what the socket holds. After
    /// `grace` the connection is closed without it, so such a subscriber is really
    /// gone, its buffers freed, and shutdown is not held up by it.
    private static func close(
        _ outbound: WebSocketOutboundWriter, writer: SocketWriter, code: WebSocketErrorCode, reason: String,
        grace: Duration
    ) async throws {
        let deadline = Task {
            try? await Task.sleep(for: grace)
            if !Task.isCancelled { writer.abort() }
        }
        defer { deadline.cancel() }
        try await outbound.close(code, reason: reason)
    }
}
