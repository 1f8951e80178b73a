import Foundation
import Logging
import RealtimeProtocol

/// A Supabase Realtime client: one WebSocket, any number of channels, heartbeats,
/// reconnects with backoff and channel rejoins, as realtime-js behaves.
///
/// ```swift
/// let client = try RealtimeClient(url: URL(string: "http://127.0.0.1:4000")!, apiKey: key)
/// let room = await client.channel("room:42", config: JoinConfig(presenceKey: "users", presenceEnabled: true))
/// let events = await room.events()
/// try await room.subscribe()          // connects the socket if needed
/// try await room.broadcast(event: "yjs-update", payload: .binary(update))
/// ```
///
/// Everything runs on this actor; socket frames, timers and callers' calls are
/// serialised through it, so the protocol state needs no locks.
public actor RealtimeClient {
    /// The WebSocket URL, `ws(s)://HOST/realtime/v1/websocket?apikey=…&vsn=…`.
    public nonisolated let endpoint: URL
    /// The options the client was made with.
    public nonisolated let options: RealtimeOptions

    private let serializer: PhoenixSerializer
    private var logger: Logger { options.logger }
    private var accessToken: String?

    // Socket.
    private var wantsConnection = false
    private var connection: WebSocketConnection?
    private var isOpen = false
    private var connectionCounter = 0
    private var reconnectAttempt = 0
    private var reconnectTimer: Task<Void, Never>?
    /// The current socket's one timer: the connect timeout until it opens, then the
    /// wait for the next heartbeat or for a heartbeat's reply.
    private var socketTimer: Task<Void, Never>?
    private var pendingHeartbeat: String?
    /// The challenge the current socket must answer before it counts as open.
    private var pendingChallenge: (ref: String, challenge: String)?
    /// Why the last socket was dropped by this client, if it was its own decision
    /// (the server failed `options.serverChallenge`); cleared when a socket opens.
    public private(set) var lastFailure: RealtimeError?
    private var refCounter: UInt64 = 0
    private var state: ConnectionState = .closed(reconnectIn: nil)
    private var stateObservers: [Int: AsyncStream<ConnectionState>.Continuation] = [:]
    private var observerCounter = 0

    // Channels.
    private var channels: [String: ChannelRecord] = [:]
    private var channelCounter = 0
    private var pending: [String: PendingReply] = [:]

    /// A push waiting for its `phx_reply`.
    private struct PendingReply {
        let topic: String
        let event: String
        let channelID: Int
        let continuation: CheckedContinuation<Void, Error>
        var timer: Task<Void, Never>?
        /// Whether it went out on the current socket (else it sits in a channel buffer).
        var sent = false
    }

    /// - Parameters:
    ///   - url: the project URL (`http://127.0.0.1:4000`, `https://xyz.supabase.co`) or a
    ///     `ws(s)://` socket URL.
    ///   - apiKey: the project's anon (or service) key, sent as the `apikey` query parameter.
    /// - Throws: `RealtimeError.invalidURL` when `url` has no host or an unknown scheme.
    public init(url: URL, apiKey: String, options: RealtimeOptions = RealtimeOptions()) throws {
        self.endpoint = try RealtimeEndpoint.url(
            base: url, apiKey: apiKey, vsn: options.version.rawValue, params: options.params)
        self.options = options
        self.serializer = PhoenixSerializer(version: options.version, maxFrameBytes: options.maxFrameSize)
    }

    // MARK: - Public API

    /// Opens the socket (if it is not open or opening) and keeps it open, reconnecting
    /// with `options.reconnectBackoff` whenever it drops, until `disconnect()`.
    /// Returns at once; follow `connectionStates()` to see the socket come up.
    public func connect() {
        wantsConnection = true
        guard connection == nil, reconnectTimer == nil else { return }
        openSocket()
    }

    /// Skips the rest of the reconnect back-off and tries at once, for a caller
    /// that knows the server is back (the embedded relay has just been taken
    /// over by this or another process). Does nothing while a socket is open or
    /// opening, or after `disconnect()`.
    public func reconnectNow() {
        guard wantsConnection, connection == nil, reconnectTimer != nil else { return }
        reconnectTimer?.cancel()
        reconnectTimer = nil
        reconnectAttempt = 0
        openSocket()
    }

    /// Closes the socket and stops reconnecting. Channels stay subscribed in spirit:
    /// they show `.errored` and rejoin on the next `connect()`.
    public func disconnect() {
        wantsConnection = false
        reconnectTimer?.cancel()
        reconnectTimer = nil
        reconnectAttempt = 0
        if let connection {
            connection.close(reason: "client disconnect")
            socketWentDown(reason: "disconnected")
        }
        setState(.closed(reconnectIn: nil))
    }

    /// Whether the socket is open now.
    public var isConnected: Bool { isOpen }

    /// The socket's state changes, starting with the current state. Each call gives
    /// a new stream; it ends when the caller stops iterating.
    public func connectionStates() -> AsyncStream<ConnectionState> {
        let (stream, continuation) = AsyncStream<ConnectionState>.makeStream()
        observerCounter += 1
        let id = observerCounter
        stateObservers[id] = continuation
        continuation.yield(state)
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeStateObserver(id) }
        }
        return stream
    }

    /// The channel named `name` (without the `realtime:` prefix, as in realtime-js).
    /// A channel that exists and is not closed is returned as is, whatever `config` says.
    public func channel(_ name: String, config: JoinConfig = JoinConfig()) -> RealtimeChannel {
        let topic = RealtimeTopic.topic(forChannel: name)
        if let existing = channels[topic] {
            return RealtimeChannel(client: self, topic: topic, id: existing.id)
        }
        channelCounter += 1
        let record = ChannelRecord(id: channelCounter, topic: topic, config: config)
        channels[topic] = record
        return RealtimeChannel(client: self, topic: topic, id: record.id)
    }

    /// Sets the JWT sent as `access_token` with joins and pushes it at once to every
    /// joined channel (realtime-js `setAuth`). `nil` falls back to the API key for
    /// later joins and pushes nothing.
    public func setAuth(_ token: String?) {
        accessToken = token
        guard let token, isOpen else { return }
        for record in channels.values where record.state == .joined {
            transmit(
                PhoenixMessage(
                    joinRef: record.joinRef, ref: makeRef(), topic: record.topic,
                    event: PhoenixEvent.accessToken, json: ["access_token": .string(token)]))
        }
    }

    private func refreshedToken(_ token: String?) {
        guard let token, token != accessToken else { return }
        setAuth(token)
    }

    /// The current `access_token`, if `setAuth` set one.
    public var currentAccessToken: String? { accessToken }

    // MARK: - Channel operations (called through RealtimeChannel)

    func subscribe(channelID: Int, topic: String, timeout: Duration) async throws {
        guard let record = record(topic, channelID) else {
            throw RealtimeError.channelClosed(
                topic: topic, reason: "it was unsubscribed or closed by the server; create it again")
        }
        if record.state == .joined { return }
        record.wantsJoin = true
        connect()
        if record.state == .closed {
            startJoin(record, timeout: timeout)
        }
        observerCounter += 1
        let waiterID = observerCounter
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            record.subscribeWaiters[waiterID] = continuation
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.subscribeTimedOut(record: record, waiterID: waiterID, after: timeout)
            }
        }
    }

    func unsubscribe(channelID: Int, topic: String) async {
        guard let record = record(topic, channelID) else { return }
        record.wantsJoin = false
        record.cancelTimers()
        let onServer = record.state == .joined || (record.state == .joining && record.joinSent)
        if isOpen, onServer {
            record.transition(to: .leaving)
            let ref = makeRef()
            do {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                    register(
                        ref: ref, topic: topic, event: PhoenixEvent.leave, channelID: record.id,
                        continuation: continuation, timeout: options.pushTimeout, sent: true)
                    transmit(
                        PhoenixMessage(
                            joinRef: record.joinRef, ref: ref, topic: topic, event: PhoenixEvent.leave, json: [:]))
                }
            } catch {
                logger.debug("leave of \(topic) not confirmed: \(error)")
            }
        }
        close(record, reason: "unsubscribed")
    }

    func broadcast(channelID: Int, topic: String, event: String, payload: UserPayload, timeout: Duration?) async throws
    {
        guard let record = record(topic, channelID) else {
            throw RealtimeError.channelClosed(topic: topic, reason: nil)
        }
        if case .binary = payload, options.version == .v1 {
            throw RealtimeError.binaryNeedsVersion2(topic: topic)
        }
        // realtime-js (vsn 2.0.0) sends every broadcast as a kind-3 frame; the vsn 1.0.0
        // serializer writes the same broadcast as a JSON `broadcast` payload.
        let body = Payload.userBroadcast(UserBroadcast(event: event, payload: payload))
        try await push(
            record, event: PhoenixEvent.broadcast, payload: body,
            awaitReply: record.config.broadcastAck, timeout: timeout ?? options.pushTimeout)
    }

    func track(channelID: Int, topic: String, meta: [String: JSONValue], timeout: Duration?) async throws {
        guard let record = record(topic, channelID) else {
            throw RealtimeError.channelClosed(topic: topic, reason: nil)
        }
        record.trackedMeta = .object(meta)
        try await push(
            record, event: PhoenixEvent.presence,
            payload: .json(["type": "presence", "event": .string(PresenceEvent.track), "payload": .object(meta)]),
            awaitReply: true, timeout: timeout ?? options.pushTimeout)
    }

    func untrack(channelID: Int, topic: String, timeout: Duration?) async throws {
        guard let record = record(topic, channelID) else {
            throw RealtimeError.channelClosed(topic: topic, reason: nil)
        }
        record.trackedMeta = nil
        try await push(
            record, event: PhoenixEvent.presence,
            payload: .json(["type": "presence", "event": .string(PresenceEvent.untrack)]),
            awaitReply: true, timeout: timeout ?? options.pushTimeout)
    }

    func presenceState(channelID: Int, topic: String) -> [String: [JSONValue]] {
        record(topic, channelID)?.presence.view ?? [:]
    }

    func joinResponse(channelID: Int, topic: String) -> JSONValue? {
        record(topic, channelID)?.joinResponse
    }

    func status(channelID: Int, topic: String) -> ChannelStatus {
        record(topic, channelID)?.status ?? .closed
    }

    func events(channelID: Int, topic: String) -> AsyncStream<ChannelEvent> {
        let (stream, continuation) = AsyncStream<ChannelEvent>.makeStream()
        guard let record = record(topic, channelID) else {
            continuation.yield(.status(.closed))
            continuation.finish()
            return stream
        }
        observerCounter += 1
        let id = observerCounter
        record.observers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeChannelObserver(topic: topic, channelID: channelID, id: id) }
        }
        return stream
    }

    // MARK: - Socket lifecycle

    private func openSocket() {
        connectionCounter += 1
        setState(.connecting)
        logger.debug("connecting to \(endpoint.absoluteString)")
        connection = WebSocketConnection(
            id: connectionCounter, url: endpoint.absoluteString, tls: options.tls,
            maxFrameSize: options.maxFrameSize, logger: logger
        ) { [weak self] id, event in
            await self?.handle(socketEvent: event, from: id)
        }
        // A server that accepts the TCP connection but never answers the upgrade
        // would otherwise hold the client in `connecting` for ever.
        let id = connectionCounter
        let timeout = options.connectTimeout
        socketTimer?.cancel()
        socketTimer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            await self?.connectTimedOut(connectionID: id)
        }
    }

    private func connectTimedOut(connectionID: Int) {
        guard let connection, connection.id == connectionID, !isOpen else { return }
        if let (ref, challenge) = pendingChallenge {
            // A server that accepted the socket but leaves the challenge unanswered.
            let silence = PhoenixMessage(
                joinRef: nil, ref: ref, topic: RealtimeTopic.phoenix, event: PhoenixEvent.reply, json: [:])
            challengeAnswered(silence, challenge: challenge)
            return
        }
        abandonSocket(reason: "no WebSocket handshake within \(options.connectTimeout)")
    }

    private func handle(socketEvent event: SocketEvent, from id: Int) async {
        guard let connection, connection.id == id else { return }
        switch event {
        case .opened:
            if let provider = options.accessToken {
                // Joins on the new socket carry the freshest token. No frame is read
                // before this returns, but the socket may have been replaced meanwhile.
                let token = await provider()
                guard self.connection?.id == id else { return }
                if let token { accessToken = token }
            }
            if options.serverChallenge != nil {
                sendChallenge()
            } else {
                socketOpened()
            }
        case let .text(text):
            receive(.text(text))
        case let .binary(bytes):
            receive(.binary(bytes))
        case let .closed(code, reason, error):
            logger.info(
                "socket closed",
                metadata: [
                    "code": "\(code.map(String.init) ?? "-")", "reason": "\(reason ?? "-")", "error": "\(error ?? "-")"
                ])
            socketWentDown(reason: error.map { "connection failed: \($0)" } ?? "connection closed")
            scheduleReconnect()
        }
    }

    /// Asks the server to prove it holds the key, before anything else is sent; the
    /// connect timeout keeps running until it has.
    private func sendChallenge() {
        guard let connection else { return }
        let challenge = ServerChallenge.makeChallenge()
        let ref = makeRef()
        pendingChallenge = (ref, challenge)
        let message = PhoenixMessage(
            joinRef: nil, ref: ref, topic: RealtimeTopic.phoenix, event: PhoenixEvent.qalamChallenge,
            json: ["challenge": .string(challenge)])
        guard case let .text(text)? = try? serializer.encode(message, direction: .clientToServer) else { return }
        connection.send(.text(text))
    }

    /// The server's answer to the challenge: open on a valid proof, else drop the socket.
    private func challengeAnswered(_ message: PhoenixMessage, challenge: String) {
        pendingChallenge = nil
        if let check = options.serverChallenge, let (status, response) = message.replyStatus,
            status == ReplyStatus.ok, let proof = response["proof"]?.stringValue,
            check.verify(challenge, proof, dialledAddress)
        {
            socketOpened()
            return
        }
        let server = endpoint.host.map { host in endpoint.port.map { "\(host):\($0)" } ?? host } ?? "\(endpoint)"
        let failure = RealtimeError.serverNotAuthentic(server: server)
        lastFailure = failure
        logger.warning("\(failure)")
        abandonSocket(reason: failure.description)
    }

    /// The host and port this client dials, as a server's challenge proof names them.
    private var dialledAddress: String {
        let port = endpoint.port ?? (endpoint.scheme == "wss" ? 443 : 80)
        return ChallengeAddress.text(host: endpoint.host ?? "", port: port)
    }

    private func socketOpened() {
        lastFailure = nil
        isOpen = true
        reconnectAttempt = 0
        setState(.open)
        logger.info("socket open: \(endpoint.absoluteString)")
        scheduleHeartbeat()
        for record in channels.values where record.wantsJoin {
            record.rejoinAttempt = 0
            switch record.state {
            case .joining where !record.joinSent:
                sendJoin(record)
            case .errored, .closed:
                startJoin(record, timeout: options.pushTimeout)
            default:
                break
            }
        }
    }

    /// Forgets the current socket: channels error out (and rejoin when a socket opens
    /// again), pushes that went out on it fail with `connectionLost`.
    private func socketWentDown(reason: String) {
        let wasOpen = isOpen
        connection = nil
        isOpen = false
        pendingChallenge = nil
        socketTimer?.cancel()
        socketTimer = nil
        pendingHeartbeat = nil
        for (ref, reply) in pending where reply.sent {
            pending[ref] = nil
            reply.timer?.cancel()
            reply.continuation.resume(throwing: RealtimeError.connectionLost(topic: reply.topic, event: reply.event))
        }
        for record in channels.values where record.wantsJoin {
            switch record.state {
            case .joined, .joining, .leaving:
                record.cancelTimers()
                record.transition(to: .errored(reason))
            default:
                break
            }
        }
        if !wasOpen { logger.debug("connection attempt failed: \(reason)") }
    }

    private func scheduleReconnect() {
        guard wantsConnection else {
            setState(.closed(reconnectIn: nil))
            return
        }
        reconnectAttempt += 1
        let delay = options.reconnectBackoff.delay(forAttempt: reconnectAttempt)
        setState(.closed(reconnectIn: delay))
        reconnectTimer?.cancel()
        reconnectTimer = Task { [weak self] in
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled else { return }
            await self?.reconnectTimerFired()
        }
    }

    private func reconnectTimerFired() {
        reconnectTimer = nil
        guard wantsConnection, connection == nil else { return }
        openSocket()
    }

    /// Gives up on a socket that stopped answering: closes it without waiting and
    /// reconnects, as phoenix does on a heartbeat timeout.
    private func abandonSocket(reason: String) {
        guard let connection else { return }
        logger.info("abandoning socket: \(reason)")
        connection.close(reason: reason, abandon: true)
        socketWentDown(reason: reason)
        scheduleReconnect()
    }

    private func setState(_ newState: ConnectionState) {
        guard newState != state else { return }
        state = newState
        for continuation in stateObservers.values { continuation.yield(newState) }
    }

    private func removeStateObserver(_ id: Int) {
        stateObservers[id] = nil
    }

    // MARK: - Heartbeat

    private func scheduleHeartbeat() {
        socketTimer?.cancel()
        let interval = options.heartbeatInterval
        socketTimer = Task { [weak self] in
            try? await Task.sleep(for: interval)
            guard !Task.isCancelled else { return }
            await self?.sendHeartbeat()
        }
    }

    private func sendHeartbeat() {
        guard isOpen, pendingHeartbeat == nil else { return }
        let ref = makeRef()
        pendingHeartbeat = ref
        transmit(.heartbeat(ref: ref))
        if let provider = options.accessToken {
            Task { [weak self] in
                let token = await provider()
                await self?.refreshedToken(token)
            }
        }
        let timeout = options.heartbeatTimeout
        socketTimer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            await self?.heartbeatTimedOut(ref: ref)
        }
    }

    private func heartbeatTimedOut(ref: String) {
        guard pendingHeartbeat == ref else { return }
        abandonSocket(reason: "heartbeat timeout")
    }

    // MARK: - Inbound

    private func receive(_ frame: WireFrame) {
        let message: PhoenixMessage
        do {
            message = try serializer.decode(frame, direction: .serverToClient)
        } catch {
            // A frame we cannot read changes nothing; the socket stays up, as in realtime-js.
            logger.warning("dropped an unreadable frame: \(error)")
            return
        }
        if let (ref, challenge) = pendingChallenge {
            // Until the server has proved itself, nothing it says counts but the proof.
            if message.event == PhoenixEvent.reply, message.topic == RealtimeTopic.phoenix, message.ref == ref {
                challengeAnswered(message, challenge: challenge)
            }
            return
        }
        if message.event == PhoenixEvent.reply, let ref = message.ref {
            if message.topic == RealtimeTopic.phoenix, ref == pendingHeartbeat {
                pendingHeartbeat = nil
                scheduleHeartbeat()
                return
            }
            if let record = channels[message.topic], record.state == .joining, record.joinRef == ref {
                joinReplied(record, message)
                return
            }
            if pending[ref] != nil {
                completePending(ref: ref, message)
                return
            }
        }
        guard let record = channels[message.topic] else { return }
        // Frames of an earlier join of this topic are stale (phoenix `isMember`).
        if let joinRef = message.joinRef, joinRef != record.joinRef { return }
        route(message, to: record)
    }

    private func route(_ message: PhoenixMessage, to record: ChannelRecord) {
        switch message.event {
        case PhoenixEvent.broadcast:
            switch message.payload {
            case let .userBroadcast(broadcast):
                record.emit(.broadcast(event: broadcast.event, payload: broadcast.payload))
            case let .json(value):
                guard let event = value["event"]?.stringValue else {
                    logger.warning("dropped a broadcast without an event name on \(record.topic)")
                    return
                }
                record.emit(.broadcast(event: event, payload: .json(value["payload"] ?? .null)))
            default:
                logger.warning("dropped a broadcast with an unexpected payload on \(record.topic)")
            }
        case PhoenixEvent.presenceState, PhoenixEvent.presenceDiff:
            guard let payload = message.json else { return }
            do {
                let changes =
                    message.event == PhoenixEvent.presenceState
                    ? try record.presence.applyState(payload, joinRef: record.joinRef)
                    : try record.presence.applyDiff(payload, joinRef: record.joinRef)
                for change in changes { record.emit(.presence(change)) }
            } catch {
                logger.warning("dropped \(message.event) on \(record.topic): \(error)")
            }
        case PhoenixEvent.system:
            let status = message.json?["status"]?.stringValue ?? ""
            let text = message.json?["message"]?.stringValue ?? ""
            record.emit(.system(status: status, message: text))
        case PhoenixEvent.close:
            // While joining or errored a phx_close answers our own clean-up leave of a
            // timed-out join; only a joined (or leaving) channel is really closed.
            guard record.state == .joined || record.state == .leaving else { return }
            logger.info("server closed \(record.topic)")
            close(record, reason: "closed by the server")
        case PhoenixEvent.error:
            guard record.state == .joined || record.state == .joining else { return }
            record.cancelTimers()
            record.transition(to: .errored("the channel crashed on the server"))
            scheduleRejoin(record)
        default:
            break
        }
    }

    // MARK: - Joining

    /// Starts a join attempt: a fresh ref (the new join ref), a timer, and the
    /// `phx_join` itself as soon as the socket is open.
    private func startJoin(_ record: ChannelRecord, timeout: Duration) {
        record.cancelTimers()
        let ref = makeRef()
        record.joinRef = ref
        record.joinSent = false
        record.transition(to: .joining)
        record.joinTimer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            await self?.joinTimedOut(record: record, ref: ref)
        }
        if isOpen { sendJoin(record) }
    }

    private func sendJoin(_ record: ChannelRecord) {
        record.joinSent = true
        transmit(
            PhoenixMessage(
                joinRef: record.joinRef, ref: record.joinRef, topic: record.topic,
                event: PhoenixEvent.join, json: record.config.joinPayload(accessToken: accessToken)))
    }

    private func joinReplied(_ record: ChannelRecord, _ message: PhoenixMessage) {
        record.joinTimer?.cancel()
        record.joinTimer = nil
        guard let (status, _) = message.replyStatus, status == ReplyStatus.ok else {
            let reason = Self.reason(message.replyStatus?.response ?? .null)
            logger.info("join of \(record.topic) refused: \(reason)")
            record.transition(to: .errored(reason))
            record.resumeWaiters(with: .failure(.joinRejected(topic: record.topic, reason: reason)))
            scheduleRejoin(record)
            return
        }
        let isRejoin = record.hasJoined
        record.hasJoined = true
        record.joinResponse = message.replyStatus?.response
        record.rejoinAttempt = 0
        record.transition(to: .joined)
        record.resumeWaiters(with: .success(()))
        if !record.config.presenceEnabled {
            // No presence_state will come; diffs (if any) apply to an empty state.
            for change in (try? record.presence.applyState([:], joinRef: record.joinRef)) ?? [] where change != .sync {
                record.emit(.presence(change))
            }
        }
        let queued = record.buffer
        record.buffer = []
        if isRejoin, let meta = record.trackedMeta,
            !queued.contains(where: { $0.event == PhoenixEvent.presence })
        {
            // The server dropped our presence with the old socket; put it back.
            transmit(
                PhoenixMessage(
                    joinRef: record.joinRef, ref: makeRef(), topic: record.topic, event: PhoenixEvent.presence,
                    json: ["type": "presence", "event": .string(PresenceEvent.track), "payload": meta]))
        }
        for push in queued {
            transmit(
                PhoenixMessage(
                    joinRef: record.joinRef, ref: push.ref, topic: record.topic, event: push.event,
                    payload: push.payload))
            pending[push.ref]?.sent = true
        }
    }

    private func joinTimedOut(record: ChannelRecord, ref: String) {
        guard record.state == .joining, record.joinRef == ref, channels[record.topic] === record else { return }
        logger.info("join of \(record.topic) timed out")
        record.transition(to: .errored("join timed out"))
        if isOpen, record.joinSent {
            // Tell the server to drop the half-made join (phoenix sends phx_leave too).
            transmit(
                PhoenixMessage(joinRef: ref, ref: makeRef(), topic: record.topic, event: PhoenixEvent.leave, json: [:]))
        }
        scheduleRejoin(record)
    }

    private func subscribeTimedOut(record: ChannelRecord, waiterID: Int, after timeout: Duration) {
        guard let waiter = record.subscribeWaiters.removeValue(forKey: waiterID) else { return }
        waiter.resume(throwing: RealtimeError.timedOut(topic: record.topic, event: PhoenixEvent.join, after: timeout))
    }

    private func scheduleRejoin(_ record: ChannelRecord) {
        guard record.wantsJoin else { return }
        record.rejoinAttempt += 1
        let delay = options.rejoinBackoff.delay(forAttempt: record.rejoinAttempt)
        record.rejoinTimer?.cancel()
        record.rejoinTimer = Task { [weak self] in
            try? await Task.sleep(for: delay)
            guard !Task.isCancelled else { return }
            await self?.rejoinTimerFired(record)
        }
    }

    private func rejoinTimerFired(_ record: ChannelRecord) {
        record.rejoinTimer = nil
        guard record.wantsJoin, channels[record.topic] === record, case .errored = record.state else { return }
        // With the socket down, the channel rejoins when it opens again.
        if isOpen { startJoin(record, timeout: options.pushTimeout) }
    }

    /// Ends a channel for good: no rejoin, waiters fail, streams finish, the topic is free.
    private func close(_ record: ChannelRecord, reason: String) {
        record.wantsJoin = false
        record.cancelTimers()
        record.transition(to: .closed)
        record.resumeWaiters(with: .failure(.channelClosed(topic: record.topic, reason: reason)))
        record.buffer = []
        for (ref, reply) in pending where reply.channelID == record.id && reply.event != PhoenixEvent.leave {
            pending[ref] = nil
            reply.timer?.cancel()
            reply.continuation.resume(throwing: RealtimeError.channelClosed(topic: record.topic, reason: reason))
        }
        record.presence.reset()
        for continuation in record.observers.values { continuation.finish() }
        record.observers = [:]
        if channels[record.topic] === record { channels[record.topic] = nil }
    }

    private func removeChannelObserver(topic: String, channelID: Int, id: Int) {
        record(topic, channelID)?.observers[id] = nil
    }

    // MARK: - Pushes

    /// Sends `event` on the channel now when it is joined, else queues it until the
    /// join; with `awaitReply` the caller waits for the server's reply.
    private func push(_ record: ChannelRecord, event: String, payload: Payload, awaitReply: Bool, timeout: Duration)
        async throws
    {
        let ref = makeRef()
        // Encoded here, once: a message that can never be sent fails now, not when
        // the buffer is flushed, and a channel that is joined sends these bytes.
        // (A queued push is encoded again at the flush: its join ref is the one
        // the channel has then.)
        let frame: WireFrame
        do {
            frame = try serializer.encode(
                PhoenixMessage(
                    joinRef: record.joinRef ?? ref, ref: ref, topic: record.topic,
                    event: event, payload: payload), direction: .clientToServer)
        } catch {
            throw RealtimeError.cannotEncode("\(error)")
        }
        guard awaitReply else {
            sendOrQueue(record, ref: ref, event: event, payload: payload, frame: frame)
            return
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            register(
                ref: ref, topic: record.topic, event: event, channelID: record.id,
                continuation: continuation, timeout: timeout, sent: false)
            sendOrQueue(record, ref: ref, event: event, payload: payload, frame: frame)
        }
    }

    /// Sends `frame` (the push encoded with the channel's current join ref) when the
    /// channel is joined, else queues the push for the join.
    private func sendOrQueue(_ record: ChannelRecord, ref: String, event: String, payload: Payload, frame: WireFrame) {
        if let connection, isOpen, record.state == .joined {
            send(frame, on: connection)
            pending[ref]?.sent = true
            return
        }
        record.buffer.append(.init(ref: ref, event: event, payload: payload))
        if record.buffer.count > max(options.pushBufferLimit, 1) {
            let dropped = record.buffer.removeFirst()
            fail(
                ref: dropped.ref,
                with: .pushDropped(
                    topic: record.topic, event: dropped.event,
                    reason: "more than \(options.pushBufferLimit) pushes waited for the join"))
        }
    }

    private func register(
        ref: String, topic: String, event: String, channelID: Int,
        continuation: CheckedContinuation<Void, Error>, timeout: Duration, sent: Bool
    ) {
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            await self?.pushTimedOut(ref: ref, after: timeout)
        }
        pending[ref] = PendingReply(
            topic: topic, event: event, channelID: channelID,
            continuation: continuation, timer: timer, sent: sent)
    }

    private func pushTimedOut(ref: String, after timeout: Duration) {
        guard let reply = pending[ref] else { return }
        // A push that never left the buffer must not go out after its caller gave up.
        channels[reply.topic]?.buffer.removeAll { $0.ref == ref }
        fail(ref: ref, with: .timedOut(topic: reply.topic, event: reply.event, after: timeout))
    }

    private func fail(ref: String, with error: RealtimeError) {
        guard let reply = pending.removeValue(forKey: ref) else { return }
        reply.timer?.cancel()
        reply.continuation.resume(throwing: error)
    }

    private func completePending(ref: String, _ message: PhoenixMessage) {
        guard let reply = pending.removeValue(forKey: ref) else { return }
        reply.timer?.cancel()
        guard let (status, response) = message.replyStatus else {
            reply.continuation.resume(
                throwing: RealtimeError.pushRejected(
                    topic: reply.topic, event: reply.event,
                    reason: "unreadable reply"))
            return
        }
        if status == ReplyStatus.ok || reply.event == PhoenixEvent.leave {
            reply.continuation.resume()
        } else {
            reply.continuation.resume(
                throwing: RealtimeError.pushRejected(
                    topic: reply.topic, event: reply.event,
                    reason: Self.reason(response)))
        }
    }

    // MARK: - Helpers

    private func transmit(_ message: PhoenixMessage) {
        guard let connection, isOpen else { return }
        do {
            send(try serializer.encode(message, direction: .clientToServer), on: connection)
        } catch {
            logger.error("could not encode \(message.event) on \(message.topic): \(error)")
        }
    }

    private func send(_ frame: WireFrame, on connection: WebSocketConnection) {
        switch frame {
        case let .text(text): connection.send(.text(text))
        case let .binary(bytes): connection.send(.binary(bytes))
        }
    }

    private func makeRef() -> String {
        refCounter &+= 1
        return String(refCounter)
    }

    private func record(_ topic: String, _ id: Int) -> ChannelRecord? {
        guard let record = channels[topic], record.id == id else { return nil }
        return record
    }

    /// The server's reason in an error reply: `response.reason`, a bare string
    /// response (`payload_size_exceeded`), or the response's JSON.
    static func reason(_ response: JSONValue) -> String {
        if let reason = response["reason"]?.stringValue { return reason }
        if let text = response.stringValue { return text }
        if case let .object(members) = response, !members.isEmpty {
            return members.keys.sorted().compactMap { members[$0].map { $0.stringValue ?? $0.jsonString } }.joined(
                separator: ", ")
        }
        return "the server gave no reason"
    }
}
