import Foundation
import HummingbirdWebSocket
import Logging
import NIOCore
import RealtimeProtocol

/// A connected socket, as the hub numbers them.
typealias SocketID = Int

/// What a socket's writer task does next. Messages go to the socket through its
/// `SocketWriter`, framed by the hub; the task carries what needs Hummingbird's
/// WebSocket state machine: the close handshake.
enum Outbound: Sendable {
    case message(PhoenixMessage)
    /// Send a close frame with this code and reason, then stop writing.
    case close(code: UInt16, reason: String)
}

/// Public and private channels of the same name never see each other (docs/reference/realtime-protocol.md §3.1).
struct ChannelKey: Hashable, Sendable {
    let topic: String
    let isPrivate: Bool
}

/// One socket's join of one topic.
struct Membership: Sendable {
    let key: ChannelKey
    let joinRef: String?
    let config: JoinConfig
    let presenceKey: String
    /// The channel's token and its `exp` (unix seconds), when auth is on.
    var accessToken: String?
    var tokenExpiry: Double?
    /// What the socket may do here (read only, or also broadcast).
    var grant: Grant
    /// Who joined (from the token), for the periodic membership re-check.
    var caller: Caller?
    /// This join's tracked presence meta (with `phx_ref`), if any.
    var tracked: JSONValue?
    var presenceCalls: WindowCounter
    var topic: String { key.topic }
}

/// One WebSocket connection's state.
struct Connection: Sendable {
    let id: SocketID
    let version: SerializerVersion
    let outbound: AsyncStream<Outbound>.Continuation
    /// Where framed messages go: straight into the connection, on its event loop.
    let writer: SocketWriter
    /// The socket's `apikey` (already verified when auth is on).
    let apiKey: String?
    var channels: [String: Membership] = [:]
    var joins: TokenBucket
}

/// All channel state of the relay: sockets, topic membership, presence, limits.
///
/// Every method runs without suspending, so each inbound message is handled
/// atomically; network writes happen in each socket's own writer task, fed through
/// a bounded queue, so one slow client never holds up the others.
///
/// A member's plain broadcast does not come here: the socket's `InboundShortcut`
/// relays it through `table`, which the hub keeps up to date with the part of the
/// channel state a broadcast needs (receivers, write permission, rate limit, last
/// sign of life).
actor RelayHub {
    /// What the sockets' event loops need to relay a broadcast without the hub.
    nonisolated let table: BroadcastTable
    private let limits: RelayLimits
    private let verifier: JWTVerifier?
    /// Broadcast events a member who may only read can still send (see `RelayConfiguration`).
    private let readerBroadcastEvents: Set<String>
    private let idleTimeout: Duration
    private let joinErrorDelay: Duration
    private let logger: Logger
    private let clock = ContinuousClock()

    private var connections: [SocketID: Connection] = [:]
    private var topics: [ChannelKey: Set<SocketID>] = [:]
    private var nextID = 1
    private var draining = false
    private var messagesIn = 0
    private var messagesOut = 0

    init(
        limits: RelayLimits, verifier: JWTVerifier?, readerBroadcastEvents: Set<String> = [], idleTimeout: Duration,
        joinErrorDelay: Duration, logger: Logger
    ) {
        self.limits = limits
        self.verifier = verifier
        self.readerBroadcastEvents = readerBroadcastEvents
        self.idleTimeout = idleTimeout
        self.joinErrorDelay = joinErrorDelay
        self.logger = logger
        table = BroadcastTable(
            eventsPerSecond: limits.eventsPerSecond, maxPayloadBytes: limits.maxPayloadBytes, logger: logger)
    }

    // MARK: Sockets

    /// Registers a new socket; `nil` while draining for shutdown.
    func connect(
        version: SerializerVersion, apiKey: String?, outbound: AsyncStream<Outbound>.Continuation,
        writer: SocketWriter
    ) -> SocketID? {
        guard !draining else { return nil }
        let id = nextID
        nextID += 1
        let now = clock.now
        connections[id] = Connection(
            id: id, version: version, outbound: outbound, writer: writer, apiKey: apiKey,
            joins: TokenBucket(perSecond: limits.joinsPerSecond, now: now))
        table.register(.init(id: id, version: version, writer: writer, outbound: outbound), now: now)
        return id
    }

    /// The socket is gone (closed, cut or dropped): its presences leave.
    func disconnect(_ id: SocketID) {
        guard let connection = connections.removeValue(forKey: id) else { return }
        table.unregister(id)
        for membership in connection.channels.values {
            topics[membership.key]?.remove(id)
            if topics[membership.key]?.isEmpty == true { topics[membership.key] = nil }
            if let tracked = membership.tracked {
                announceLeave(of: membership, meta: tracked)
            }
        }
        connection.outbound.finish()
    }

    /// Any inbound frame, decodable or not, keeps the socket alive.
    func touch(_ id: SocketID) {
        table.touch(id, now: clock.now)
    }

    var statistics: RelayStatistics {
        let shortcut = table.shortcutCounts
        return RelayStatistics(
            sockets: connections.count, channels: connections.values.reduce(0) { $0 + $1.channels.count },
            topics: topics.count, messagesIn: messagesIn + shortcut.messagesIn,
            messagesOut: messagesOut + shortcut.messagesOut)
    }

    // MARK: Inbound

    /// Handles one decoded message; `wireSize` is its size on the wire (for payload limits).
    /// `verdict` is the `Authorizer`'s answer for a join or an `access_token` push
    /// (`nil` for other messages, and on a relay that checks nothing).
    func receive(_ id: SocketID, _ message: PhoenixMessage, wireSize: Int, verdict: ChannelVerdict? = nil) {
        guard connections[id] != nil else { return }
        touch(id)
        messagesIn += 1
        if message.topic == RealtimeTopic.phoenix {
            if message.event == PhoenixEvent.heartbeat {
                send(id, .reply(to: message))
            } else {
                send(id, .errorReply(to: message, reason: RealtimeReason.unmatchedTopic, joinRef: .some(nil)))
            }
            return
        }
        switch message.event {
        case PhoenixEvent.join:
            join(id, message, verdict: verdict)
        case PhoenixEvent.leave:
            leave(id, message)
        case PhoenixEvent.broadcast:
            broadcast(id, message, wireSize: wireSize)
        case PhoenixEvent.presence:
            presence(id, message, wireSize: wireSize)
        case PhoenixEvent.accessToken:
            refreshToken(id, message, verdict: verdict)
        default:
            if connections[id]?.channels[message.topic] == nil {
                send(id, .errorReply(to: message, reason: RealtimeReason.unmatchedTopic, joinRef: .some(nil)))
            } else {
                send(id, .errorReply(to: message, reason: "UnknownEvent: the relay does not handle \(message.event)"))
            }
        }
    }

    /// A reply the socket's session worked out itself (the challenge proof): sent in
    /// order with everything else the hub sends the socket.
    func answer(_ id: SocketID, _ reply: PhoenixMessage) {
        touch(id)
        send(id, reply)
    }

    /// A text frame that could not be decoded but named a topic and ref: tell the sender.
    func rejectMalformed(_ id: SocketID, topic: String, ref: String?, joinRef: String?, reason: String) {
        let push = PhoenixMessage(joinRef: joinRef, ref: ref, topic: topic, event: "", json: [:])
        send(id, .errorReply(to: push, reason: reason))
    }

    // MARK: Join and leave

    /// Whether the socket has joined `topic`, and as a private channel or not: what
    /// a token refresh is authorized against.
    func joinedChannel(_ id: SocketID, topic: String) -> ChannelKey? {
        connections[id]?.channels[topic]?.key
    }

    private func join(_ id: SocketID, _ message: PhoenixMessage, verdict: ChannelVerdict?) {
        guard let name = RealtimeTopic.channelName(ofTopic: message.topic) else {
            send(id, .errorReply(to: message, reason: RealtimeReason.unmatchedTopic, joinRef: .some(nil)))
            return
        }
        guard var connection = connections[id] else { return }
        let now = clock.now
        guard connection.joins.take(now: now) else {
            connections[id] = connection
            joinError(id, message, reason: RealtimeReason.tooManyJoins, thenClose: 1001)
            return
        }
        connections[id] = connection
        guard !name.isEmpty else {
            joinError(id, message, reason: RealtimeReason.topicNameRequired)
            return
        }
        guard let payload = message.json else {
            joinError(id, message, reason: "MalformedJoin: the join payload must be a JSON object")
            return
        }
        let config = JoinConfig(joinPayload: payload)

        var token: String?
        var expiry: Double?
        var grant = Grant.open
        var caller: Caller?
        switch verdict {
        case let .allowed(allowed, allowedCaller, allowedToken, allowedExpiry)?:
            (grant, caller, token, expiry) = (allowed, allowedCaller, allowedToken, allowedExpiry)
        case let .refused(reason, _)?:
            joinError(id, message, reason: reason)
            return
        case nil:
            // Only an open relay hands joins over without a verdict.
            guard verifier == nil else {
                joinError(id, message, reason: RealtimeReason.joinReason(for: .missing))
                return
            }
        }

        // A second join of the same topic replaces the first (docs/reference/realtime-protocol.md §3.1).
        if connection.channels[message.topic] != nil {
            removeMembership(id, topic: message.topic, sendClose: true)
            connection = connections[id] ?? connection
        }
        guard connection.channels.count < limits.maxChannelsPerClient else {
            joinError(id, message, reason: RealtimeReason.tooManyChannels)
            return
        }
        if connection.channels.isEmpty {
            let activeUsers = connections.values.reduce(0) { $0 + ($1.channels.isEmpty ? 0 : 1) }
            guard activeUsers < limits.maxConcurrentUsers else {
                joinError(id, message, reason: RealtimeReason.tooManyConnectedUsers)
                return
            }
        }

        let key = ChannelKey(topic: message.topic, isPrivate: config.isPrivate)
        let presenceKey = config.presenceKey.isEmpty ? UUID().uuidString.lowercased() : config.presenceKey
        let membership = Membership(
            key: key, joinRef: message.joinRef, config: config, presenceKey: presenceKey,
            accessToken: token, tokenExpiry: expiry, grant: grant, caller: caller, tracked: nil,
            presenceCalls: WindowCounter(limit: limits.presenceCallsPerWindow, window: limits.presenceWindow))
        connections[id]?.channels[message.topic] = membership
        topics[key, default: []].insert(id)
        defer {
            // After the reply and the presence state are queued: no broadcast overtakes them.
            table.addRoute(
                id, topic: message.topic,
                .init(
                    key: key, canWrite: grant.canWrite, broadcastSelf: config.broadcastSelf,
                    broadcastAck: config.broadcastAck))
        }
        var response: [String: JSONValue] = ["postgres_changes": []]
        if let role = grant.role {
            // Qalam's editors open a viewer's document read-only from this; other
            // clients ignore the extra member, as they do Supabase's own.
            response["access"] = ["role": .string(role), "write": .bool(grant.canWrite)]
        }
        send(id, .reply(to: message, response: .object(response)))
        if config.presenceEnabled {
            send(
                id,
                PhoenixMessage(
                    joinRef: message.joinRef, ref: nil, topic: message.topic,
                    event: PhoenixEvent.presenceState, json: presenceState(of: key).json))
        }
    }

    /// Join errors are delayed like Supabase's `CHANNEL_ERROR_BACKOFF_MS` when configured.
    private func joinError(_ id: SocketID, _ message: PhoenixMessage, reason: String, thenClose code: UInt16? = nil) {
        guard let connection = connections[id] else { return }
        let reply = PhoenixMessage.errorReply(to: message, reason: reason)
        let closeItem = code.map { Outbound.close(code: $0, reason: reason) }
        if joinErrorDelay == .zero {
            send(id, reply)
            if let closeItem { _ = connection.outbound.yield(closeItem) }
        } else {
            let delay = joinErrorDelay
            Task {
                try? await Task.sleep(for: delay)
                self.sendLate(id, reply, then: closeItem)
            }
        }
    }

    /// A delayed join error: the reply, then the close if any, if the socket is still here.
    private func sendLate(_ id: SocketID, _ reply: PhoenixMessage, then closeItem: Outbound?) {
        guard let connection = connections[id] else { return }
        send(id, reply)
        if let closeItem { _ = connection.outbound.yield(closeItem) }
    }

    private func leave(_ id: SocketID, _ message: PhoenixMessage) {
        // Leaving a topic that was never joined still gets ok (docs/reference/realtime-protocol.md §3.4).
        send(id, .reply(to: message))
        if connections[id]?.channels[message.topic] != nil {
            removeMembership(id, topic: message.topic, sendClose: true)
        }
    }

    /// Removes a join; its presence leaves. `sendClose` sends `phx_close` to the socket.
    private func removeMembership(_ id: SocketID, topic: String, sendClose: Bool) {
        guard let membership = connections[id]?.channels.removeValue(forKey: topic) else { return }
        // Before `phx_close` is queued: no broadcast follows it.
        table.removeRoute(id, topic: topic)
        topics[membership.key]?.remove(id)
        if topics[membership.key]?.isEmpty == true { topics[membership.key] = nil }
        if sendClose {
            send(id, .close(topic: topic, joinRef: membership.joinRef))
        }
        if let tracked = membership.tracked {
            announceLeave(of: membership, meta: tracked)
        }
    }

    /// `system` error then `phx_close`: how Supabase stops a channel (rate limits, token expiry).
    private func stopChannel(_ id: SocketID, topic: String, message: String, status: String = ReplyStatus.error) {
        guard let membership = connections[id]?.channels[topic] else { return }
        send(id, .system(topic: topic, joinRef: membership.joinRef, status: status, message: message))
        removeMembership(id, topic: topic, sendClose: true)
    }

    // MARK: Broadcast

    private func broadcast(_ id: SocketID, _ message: PhoenixMessage, wireSize: Int) {
        guard let membership = connections[id]?.channels[message.topic] else {
            send(id, .errorReply(to: message, reason: RealtimeReason.unmatchedTopic, joinRef: .some(nil)))
            return
        }
        let relayed: PhoenixMessage
        switch message.payload {
        case .json, .userBroadcast:
            relayed = PhoenixMessage(
                joinRef: nil, ref: nil, topic: message.topic, event: PhoenixEvent.broadcast, payload: message.payload)
        case .binary, .binaryReply:
            send(id, .errorReply(to: message, reason: "UnsupportedFrame: send broadcasts as JSON or as binary kind 3"))
            return
        }
        guard membership.grant.canWrite || ReaderBroadcast.isSyncRequest(message, events: readerBroadcastEvents)
        else {
            // A member who may only read: the broadcast goes nowhere (§7).
            if membership.config.broadcastAck {
                let name = RealtimeTopic.channelName(ofTopic: message.topic) ?? message.topic
                send(id, .errorReply(to: message, reason: RealtimeReason.unauthorizedWrite(name)))
            }
            return
        }
        guard wireSize <= limits.maxPayloadBytes else {
            if membership.config.broadcastAck {
                send(
                    id,
                    .reply(
                        to: message, status: ReplyStatus.error, response: .string(RealtimeReason.payloadSizeExceeded)))
            }
            return
        }
        guard table.takeEvent(id, now: clock.now) else {
            stopChannel(id, topic: message.topic, message: RealtimeReason.tooManyMessages)
            return
        }
        if membership.config.broadcastAck {
            send(id, .reply(to: message))
        }
        fanout(membership.key, relayed, excluding: membership.config.broadcastSelf ? nil : id)
    }

    /// Sends `message` to every socket joined to `key`, except `excluding`.
    private func fanout(_ key: ChannelKey, _ message: PhoenixMessage, excluding: SocketID?) {
        guard let members = topics[key] else { return }
        var frames = FanoutFrames(message)
        var batch = OutboundBatch()
        for member in members where member != excluding {
            guard let connection = connections[member] else { continue }
            // A socket whose version cannot carry the message gets nothing (docs/reference/realtime-protocol.md §2.3).
            guard let frame = frames.frame(for: connection.version) else { continue }
            enqueue(connection, frame, in: &batch)
        }
        batch.submit()
    }

    /// A broadcast from the REST API.
    func restBroadcast(topic: String, isPrivate: Bool, message: PhoenixMessage) {
        fanout(ChannelKey(topic: topic, isPrivate: isPrivate), message, excluding: nil)
    }

    // MARK: Presence

    private func presenceState(of key: ChannelKey) -> PresenceState {
        var state = PresenceState()
        for member in topics[key] ?? [] {
            guard let connection = connections[member] else { continue }
            for membership in connection.channels.values where membership.key == key {
                if let meta = membership.tracked {
                    state.entries[membership.presenceKey, default: []].append(meta)
                }
            }
        }
        return state
    }

    private func announceLeave(of membership: Membership, meta: JSONValue) {
        let diff = PresenceDiff(leaves: PresenceState(entries: [membership.presenceKey: [meta]]))
        fanout(
            membership.key, PhoenixMessage(topic: membership.topic, event: PhoenixEvent.presenceDiff, json: diff.json),
            excluding: nil)
    }

    private func presence(_ id: SocketID, _ message: PhoenixMessage, wireSize: Int) {
        guard var membership = connections[id]?.channels[message.topic] else {
            send(id, .errorReply(to: message, reason: RealtimeReason.unmatchedTopic, joinRef: .some(nil)))
            return
        }
        guard let payload = message.json, let event = payload["event"]?.stringValue?.lowercased() else {
            send(id, .reply(to: message, status: ReplyStatus.error))
            return
        }
        guard membership.presenceCalls.record(now: clock.now) else {
            stopChannel(id, topic: message.topic, message: RealtimeReason.clientPresenceRateLimit)
            return
        }
        connections[id]?.channels[message.topic] = membership
        switch event {
        case PresenceEvent.track:
            guard case var .object(meta)? = payload["payload"] else {
                send(id, .errorReply(to: message, reason: RealtimeReason.presencePayloadNotMap))
                return
            }
            guard wireSize <= limits.maxPayloadBytes else {
                stopChannel(id, topic: message.topic, message: RealtimeReason.trackMessageSizeExceeded)
                return
            }
            let previous = membership.tracked
            if var old = previous?.objectValue {
                old["phx_ref"] = nil
                old["phx_ref_prev"] = nil
                if old == meta {
                    send(id, .reply(to: message))  // same payload: nothing changes
                    return
                }
            }
            meta["phx_ref"] = .string(Self.newPhxRef())
            if let prevRef = previous?["phx_ref"] { meta["phx_ref_prev"] = prevRef }
            membership.tracked = .object(meta)
            connections[id]?.channels[message.topic] = membership
            send(id, .reply(to: message))
            var diff = PresenceDiff(joins: PresenceState(entries: [membership.presenceKey: [.object(meta)]]))
            if let previous { diff.leaves = PresenceState(entries: [membership.presenceKey: [previous]]) }
            fanout(
                membership.key, PhoenixMessage(topic: message.topic, event: PhoenixEvent.presenceDiff, json: diff.json),
                excluding: nil)
        case PresenceEvent.untrack:
            send(id, .reply(to: message))
            if let previous = membership.tracked {
                membership.tracked = nil
                connections[id]?.channels[message.topic] = membership
                announceLeave(of: membership, meta: previous)
            }
        default:
            send(id, .reply(to: message, status: ReplyStatus.error))
        }
    }

    /// Base64 of 8 random bytes, like Phoenix's `phx_ref`.
    static func newPhxRef() -> String {
        var rng = SystemRandomNumberGenerator()
        return Data((0..<8).map { _ in UInt8.random(in: 0...255, using: &rng) }).base64EncodedString()
    }

    // MARK: Tokens

    private func refreshToken(_ id: SocketID, _ message: PhoenixMessage, verdict: ChannelVerdict?) {
        guard let membership = connections[id]?.channels[message.topic] else {
            send(id, .errorReply(to: message, reason: RealtimeReason.unmatchedTopic, joinRef: .some(nil)))
            return
        }
        // null, `sb_` keys and the current token are ignored; a new valid token is
        // accepted silently, and the caller's permissions are those of the new token.
        guard let token = message.json?["access_token"]?.stringValue, !token.hasPrefix("sb_"),
            token != membership.accessToken
        else { return }
        switch verdict {
        case nil:
            guard verifier == nil else { return }
            connections[id]?.channels[message.topic]?.accessToken = token
        case let .refused(_, systemMessage)?:
            stopChannel(id, topic: message.topic, message: systemMessage)
        case let .allowed(grant, caller, _, expiry)?:
            connections[id]?.channels[message.topic]?.accessToken = token
            connections[id]?.channels[message.topic]?.tokenExpiry = expiry
            connections[id]?.channels[message.topic]?.grant = grant
            connections[id]?.channels[message.topic]?.caller = caller
            table.setCanWrite(id, topic: message.topic, grant.canWrite)
        }
    }

    // MARK: Membership re-checks

    /// A joined document channel whose caller's membership can change under it.
    struct MembershipCheck: Sendable {
        let socket: SocketID
        let topic: String
        let isPrivate: Bool
        let joinRef: String?
        let caller: Caller
    }

    /// Every document channel joined by a user (not the service role), to be
    /// checked against the membership again.
    func membershipChecks() -> [MembershipCheck] {
        var checks: [MembershipCheck] = []
        for (id, connection) in connections {
            for membership in connection.channels.values {
                guard let caller = membership.caller, !caller.bypassesMembership,
                    case .document = DocumentTopic(channel: RealtimeTopic.channelName(ofTopic: membership.topic) ?? "")
                else { continue }
                checks.append(
                    MembershipCheck(
                        socket: id, topic: membership.topic, isPrivate: membership.key.isPrivate,
                        joinRef: membership.joinRef, caller: caller))
            }
        }
        return checks
    }

    /// Applies a re-check's outcome, if the channel is still the one checked: a
    /// user who lost the document is stopped as on a refused token refresh; a
    /// changed role takes effect. An unreadable membership changes nothing.
    func applyMembershipCheck(_ check: MembershipCheck, _ result: Result<Grant, Denial>) {
        guard let membership = connections[check.socket]?.channels[check.topic],
            membership.joinRef == check.joinRef, membership.caller == check.caller
        else { return }
        switch result {
        case let .success(grant):
            connections[check.socket]?.channels[check.topic]?.grant = grant
            table.setCanWrite(check.socket, topic: check.topic, grant.canWrite)
        case .failure(.notMember):
            let name = RealtimeTopic.channelName(ofTopic: check.topic) ?? check.topic
            stopChannel(check.socket, topic: check.topic, message: RealtimeReason.lostReadPermission(name))
        case .failure(.unavailable):
            break
        }
    }

    // MARK: Housekeeping

    /// Closes sockets idle past the timeout and channels whose token expired.
    func sweep(wallClock: Date = Date()) {
        let now = clock.now
        let unixNow = wallClock.timeIntervalSince1970
        for (id, connection) in connections {
            if let lastSeen = table.lastSeen(id), now - lastSeen > idleTimeout {
                logger.info("closing an idle socket", metadata: ["socket": "\(id)"])
                _ = connection.outbound.yield(.close(code: 1000, reason: "no heartbeat for \(idleTimeout)"))
                disconnect(id)
                continue
            }
            for membership in connection.channels.values {
                if let expiry = membership.tokenExpiry, expiry <= unixNow {
                    let failure = TokenFailure.expired(secondsAgo: Int((unixNow - expiry).rounded(.down)))
                    stopChannel(id, topic: membership.topic, message: failure.message)
                }
            }
        }
    }

    /// Shutdown: every channel hears "Server requested disconnect", every socket gets a
    /// 1012 close (service restart), and no new socket is accepted.
    func drain() {
        draining = true
        for (id, connection) in connections {
            for membership in connection.channels.values {
                send(
                    id,
                    .system(
                        topic: membership.topic, joinRef: membership.joinRef, status: ReplyStatus.ok,
                        message: RealtimeReason.serverRequestedDisconnect))
            }
            _ = connection.outbound.yield(.close(code: 1012, reason: "server restarting"))
        }
    }

    var connectionCount: Int { connections.count }

    // MARK: Outbound

    private func send(_ id: SocketID, _ message: PhoenixMessage) {
        guard let connection = connections[id] else { return }
        // A binary broadcast for a vsn 1.0.0 socket cannot be encoded: it cannot receive those
        // (docs/reference/realtime-protocol.md §2.3).
        guard let wire = try? PhoenixSerializer(version: connection.version).encode(message, direction: .serverToClient)
        else { return }
        var batch = OutboundBatch()
        enqueue(connection, ServerFrame.encode(wire), in: &batch)
        batch.submit()
    }

    /// Adds a framed message for the socket to `batch`; a socket whose backlog would
    /// pass its bound is dropped instead, with a close frame (1008) that says why,
    /// behind what it already has in flight.
    private func enqueue(_ connection: Connection, _ frame: ByteBuffer, in batch: inout OutboundBatch) {
        messagesOut += 1
        guard connection.writer.backlog.add(frame.readableBytes) else {
            // The socket does not read fast enough; dropping it beats growing without bound.
            logger.warning("dropping a socket whose outbound queue is full", metadata: ["socket": "\(connection.id)"])
            _ = connection.outbound.yield(.close(code: 1008, reason: connection.writer.backlog.overflowReason))
            disconnect(connection.id)
            return
        }
        batch.add(frame, to: connection.writer)
    }
}
