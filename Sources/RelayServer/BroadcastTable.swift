import Foundation
import Logging
import NIOCore
import RealtimeProtocol

/// What a broadcast needs to know, shared by the hub, which keeps it up to date, and
/// the sockets' event loops, which relay a member's broadcast from here without a
/// trip through the hub (`InboundShortcut`).
///
/// Every inbound message used to pass NIO's async channel, Hummingbird's WebSocket
/// actor, the socket's reader task and the hub actor before the fan-out, three task
/// hand-offs the bare fan-out server does not pay. Broadcasts are nearly all of the
/// traffic and need only this: who is in the room, whether the sender may write, its
/// rate limit. Everything else (joins, presence, refusals, errors) still goes through
/// the hub, which owns the channel state and mirrors the broadcast part of it here.
///
/// A lock rather than an actor: the point is not to suspend. A shortcut broadcast runs
/// whole under the lock, queueing its frames included, so it is ordered with the
/// hub's changes here: the hub adds a member only after queueing its join reply and
/// removes it before queueing its `phx_close`, and a socket never gets a broadcast
/// before its join reply or after it left.
final class BroadcastTable: @unchecked Sendable {
    /// A socket as a receiver of fan-outs.
    struct Receiver {
        let id: SocketID
        let version: SerializerVersion
        let writer: SocketWriter
        let outbound: AsyncStream<Outbound>.Continuation
    }

    /// One socket's join of one topic, as far as broadcasting goes.
    struct Route {
        let key: ChannelKey
        /// Whether the member may broadcast (a reader may not; the hub decides its
        /// exceptions, so a reader's broadcast is left to the hub).
        var canWrite: Bool
        let broadcastSelf: Bool
        let broadcastAck: Bool
    }

    private struct Socket {
        let receiver: Receiver
        var routes: [String: Route] = [:]
        var events: TokenBucket
        var lastSeen: ContinuousClock.Instant
    }

    private let lock = NSLock()
    private let clock = ContinuousClock()
    private let eventsPerSecond: Int
    private let maxPayloadBytes: Int
    private let logger: Logger
    // Guarded by `lock`:
    private var sockets: [SocketID: Socket] = [:]
    private var rooms: [ChannelKey: [Receiver]] = [:]
    private var shortcutMessagesIn = 0
    private var shortcutMessagesOut = 0

    init(eventsPerSecond: Int, maxPayloadBytes: Int, logger: Logger) {
        self.eventsPerSecond = eventsPerSecond
        self.maxPayloadBytes = maxPayloadBytes
        self.logger = logger
    }

    // MARK: Kept up to date by the hub

    func register(_ receiver: Receiver, now: ContinuousClock.Instant) {
        withLock {
            sockets[receiver.id] = Socket(
                receiver: receiver, events: TokenBucket(perSecond: eventsPerSecond, now: now), lastSeen: now)
        }
    }

    func unregister(_ id: SocketID) {
        withLock { removeSocket(id) }
    }

    /// Makes the socket a receiver of `route.key`'s fan-outs (after its join reply is queued).
    func addRoute(_ id: SocketID, topic: String, _ route: Route) {
        withLock {
            guard var socket = sockets[id] else { return }
            if let old = socket.routes.updateValue(route, forKey: topic) {
                removeReceiver(id, from: old.key)
            }
            sockets[id] = socket
            rooms[route.key, default: []].append(socket.receiver)
        }
    }

    /// Ends the socket's fan-outs of `topic` (before its `phx_close` is queued).
    func removeRoute(_ id: SocketID, topic: String) {
        withLock {
            guard let route = sockets[id]?.routes.removeValue(forKey: topic) else { return }
            removeReceiver(id, from: route.key)
        }
    }

    func setCanWrite(_ id: SocketID, topic: String, _ canWrite: Bool) {
        withLock { sockets[id]?.routes[topic]?.canWrite = canWrite }
    }

    /// Takes one of the socket's broadcast tokens (Supabase's events per second).
    func takeEvent(_ id: SocketID, now: ContinuousClock.Instant) -> Bool {
        withLock { sockets[id]?.events.take(now: now) ?? false }
    }

    /// Any inbound frame keeps the socket alive.
    func touch(_ id: SocketID, now: ContinuousClock.Instant) {
        withLock { sockets[id]?.lastSeen = now }
    }

    func lastSeen(_ id: SocketID) -> ContinuousClock.Instant? {
        withLock { sockets[id]?.lastSeen }
    }

    /// Messages relayed and frames queued without the hub.
    var shortcutCounts: (messagesIn: Int, messagesOut: Int) {
        withLock { (shortcutMessagesIn, shortcutMessagesOut) }
    }

    // MARK: The shortcut

    /// Relays `message`, a broadcast push from socket `id`, if it is the plain case: a
    /// member who may write, a JSON payload within the size limit, a token left. The
    /// sender's ack and the fan-out are queued as the hub would queue them. Returns
    /// false, having changed nothing, for anything else, which the hub then handles
    /// (and answers) itself. `dropped` gets the receivers cut at their byte bound:
    /// they are sent their 1008 close here and must be disconnected from the hub.
    func relay(_ message: PhoenixMessage, from id: SocketID, wireSize: Int, dropped: inout [SocketID]) -> Bool {
        switch message.payload {
        case .json, .userBroadcast: break
        case .binary, .binaryReply: return false
        }
        guard wireSize <= maxPayloadBytes else { return false }
        lock.lock()
        defer { lock.unlock() }
        guard let socket = sockets[id], let route = socket.routes[message.topic], route.canWrite else { return false }
        let now = clock.now
        guard sockets[id]?.events.take(now: now) == true else { return false }
        sockets[id]?.lastSeen = now
        shortcutMessagesIn += 1

        var batch = OutboundBatch()
        if route.broadcastAck,
            let wire = try? PhoenixSerializer(version: socket.receiver.version).encode(
                .reply(to: message), direction: .serverToClient)
        {
            enqueue(ServerFrame.encode(wire), to: socket.receiver, in: &batch, dropped: &dropped)
        }
        let relayed = PhoenixMessage(
            joinRef: nil, ref: nil, topic: message.topic, event: PhoenixEvent.broadcast, payload: message.payload)
        var frames = FanoutFrames(relayed)
        let excluded = route.broadcastSelf ? nil : id
        for receiver in rooms[route.key] ?? [] where receiver.id != excluded {
            // A socket whose version cannot carry the message gets nothing (docs/reference/realtime-protocol.md §2.3).
            guard let frame = frames.frame(for: receiver.version) else { continue }
            enqueue(frame, to: receiver, in: &batch, dropped: &dropped)
        }
        batch.submit()
        return true
    }

    /// As the hub's `enqueue`: a receiver past its byte bound is closed with 1008 and
    /// leaves every room here at once.
    private func enqueue(
        _ frame: ByteBuffer, to receiver: Receiver, in batch: inout OutboundBatch, dropped: inout [SocketID]
    ) {
        guard sockets[receiver.id] != nil else { return }
        shortcutMessagesOut += 1
        guard receiver.writer.backlog.add(frame.readableBytes) else {
            logger.warning("dropping a socket whose outbound queue is full", metadata: ["socket": "\(receiver.id)"])
            _ = receiver.outbound.yield(.close(code: 1008, reason: receiver.writer.backlog.overflowReason))
            removeSocket(receiver.id)
            dropped.append(receiver.id)
            return
        }
        batch.add(frame, to: receiver.writer)
    }

    // MARK: Under the lock

    private func withLock<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    private func removeSocket(_ id: SocketID) {
        guard let socket = sockets.removeValue(forKey: id) else { return }
        for route in socket.routes.values { removeReceiver(id, from: route.key) }
    }

    private func removeReceiver(_ id: SocketID, from key: ChannelKey) {
        guard var receivers = rooms.removeValue(forKey: key) else { return }
        receivers.removeAll { $0.id == id }
        if !receivers.isEmpty { rooms[key] = receivers }
    }
}
