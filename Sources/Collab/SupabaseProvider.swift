import DocumentStorage
import Foundation
import Realtime
import YCRDT

/// Connects one document to its Supabase Realtime channel `room:<documentUUID>`.
///
/// The provider keeps its own replica of the document (the network-side copy): the
/// editor's `Doc` stays on the UI thread and exchanges update bytes with the provider,
/// while the replica answers other editors' sync requests without touching the UI.
///
/// What goes over the channel (see DESIGN.md, "the channel contract"):
/// - local updates: the first unsent one starts a `batchInterval` (100 ms) timer and
///   everything typed until it fires goes out merged as one `yjs-update`
///   `{"update": [byte, …]}`, split when larger than the payload limit; an idle
///   editor sends nothing; never a remote update, and each local update once (again
///   only after a failed send);
/// - on every (re)join a `yjs-sync-step1` with the replica's state vector; peers
///   answer with `yjs-sync-step2` (one of them: answers wait a random delay and are
///   skipped when another peer's answer already covers them), and a peer that learns
///   the requester has something it lacks sends its own step 1 back;
/// - cursors as y-protocols awareness updates on `yjs-awareness`;
/// - presence `{user_id, name, color, client_id, online_at}` under key `users`.
///
/// At most `maxBroadcastsPerSecond` broadcasts go out per second. When the server
/// closes the channel (rate limit, token expiry) the provider re-joins with backoff
/// and resyncs; unsent and unconfirmed updates are kept and sent then.
public actor SupabaseProvider {
    /// The origin of updates applied from the network, so they are never re-broadcast
    /// and an undo manager never reverts them.
    public static let remoteOrigin: AnyHashable = "qalam.remote"

    public nonisolated let document: DocumentID
    public nonisolated let topic: String
    /// Random per provider: tags sync requests and answers.
    public nonisolated let peerID: String
    public nonisolated let identity: CollabIdentity
    /// The Yjs client id of the editor's document (not the replica's), used for
    /// presence and awareness so remote cursors can be matched to people.
    public nonisolated let editorClientID: UInt64
    public nonisolated let events: AsyncStream<ProviderEvent>

    /// The Realtime client the channel lives on.
    public nonisolated let client: RealtimeClient
    private let configuration: ProviderConfiguration
    private let replica: Doc
    private let eventsContinuation: AsyncStream<ProviderEvent>.Continuation

    // Channel lifecycle
    private var channel: RealtimeChannel?
    private var generation = 0
    private var joined = false
    private var started = false
    private var stopped = false
    private var rejoinAttempt = 0
    private var joinedAt: ContinuousClock.Instant?
    /// When the server last said we sent too much; the rate stays reduced for a while.
    private var slowedDownAt: ContinuousClock.Instant?
    private var tasks: [Task<Void, Never>] = []
    private var channelTask: Task<Void, Never>?
    private var rejoinTask: Task<Void, Never>?
    private var flushTask: Task<Void, Never>?
    private var awarenessTask: Task<Void, Never>?
    private var pumpTask: Task<Void, Never>?

    // Outgoing
    private var pendingLocal: [[UInt8]] = []
    private var outbox: [Outgoing] = []
    private var inFlight: Outgoing?
    private var limiter: BroadcastRateLimiter

    // Sync
    private var currentRequest: String?
    private var lastStep1Sent: ContinuousClock.Instant?
    private var answerStarted = false
    private var pendingAnswers: [String: PendingAnswer] = [:]

    // Presence and awareness
    private var awareness: AwarenessModel
    private var cursor: CursorPosition?
    private var awarenessDirty = true
    private var lastAwarenessSent: ContinuousClock.Instant?
    private var lastAwarenessCheck = ContinuousClock.now
    private var presence: [String: [JSONValue]] = [:]
    private var onlineUsers: [OnlineUser] = []
    private var cursors: [RemoteCursor] = []

    private var status = ProviderStatus()
    private var statistics = ProviderStatistics()

    /// - Parameters:
    ///   - client: a Realtime client (connected or not; the provider connects it).
    ///   - document: the document; the channel is `room:<its UUID>`.
    ///   - identity: who is editing, for presence and cursors.
    ///   - editorClientID: the client id of the editor's own `Doc`.
    ///   - initialState: the document as loaded (store + journal), so the replica can
    ///     answer sync requests at once.
    public init(client: RealtimeClient, document: DocumentID, identity: CollabIdentity, editorClientID: UInt64,
                initialState: [UInt8] = [], configuration: ProviderConfiguration = .init()) throws {
        try configuration.validate()
        self.client = client
        self.document = document
        self.topic = "room:\(document)"
        self.peerID = UUID().uuidString.lowercased()
        self.identity = identity
        self.editorClientID = editorClientID
        self.configuration = configuration
        self.limiter = BroadcastRateLimiter(limit: configuration.maxBroadcastsPerSecond)
        self.awareness = AwarenessModel(localClientID: editorClientID, timeout: configuration.awarenessTimeout,
                                        renewInterval: configuration.awarenessRenewInterval)
        let replica = Doc()
        if !initialState.isEmpty {
            do {
                try replica.applyUpdate(initialState, origin: Self.remoteOrigin)
            } catch {
                throw CollabError.loadFailed("the stored state is not a valid Yjs update (\(error))")
            }
        }
        self.replica = replica
        (events, eventsContinuation) = AsyncStream.makeStream(of: ProviderEvent.self, bufferingPolicy: .unbounded)
    }

    // MARK: - Public API

    /// Connects, joins the channel, and starts the 100 ms batching loop.
    public func start() async {
        guard !started else { return }
        started = true
        awareness.setLocalState(AwarenessStateFormat.localState(identity: identity, cursor: cursor), now: .now)
        let connectionStates = await client.connectionStates()
        tasks.append(Task { [weak self] in
            // The stream starts with the state before `connect()`: not news.
            var replayedCurrent = true
            for await state in connectionStates {
                if replayedCurrent {
                    replayedCurrent = false
                    continue
                }
                await self?.connectionChanged(state)
            }
        })
        await client.connect()
        await openChannel()
        // Awareness renewals and timeouts; batches have timers of their own, so an
        // idle editor sends nothing and wakes up only for this.
        let interval = configuration.awarenessCheckInterval
        tasks.append(Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self else { return }
                await self.housekeeping()
            }
        })
    }

    /// Queues a local update (from the editor's document) for the next batch.
    /// The replica applies it at once, so sync answers include it.
    public func submitLocal(_ update: [UInt8]) throws {
        guard !stopped else { throw CollabError.closed }
        try replica.applyUpdate(update, origin: nil)
        pendingLocal.append(update)
        // Keep memory flat while offline: many keystrokes become one update.
        if pendingLocal.count >= 512, let merged = try? YUpdate.merge(pendingLocal) {
            pendingLocal = [merged]
        }
        scheduleFlush()
        refreshStatus()
    }

    /// Sets the local cursor (relative positions in the editor's document); it is
    /// sent with the next awareness broadcast, throttled.
    public func setCursor(_ position: CursorPosition?) {
        guard position != cursor else { return }
        cursor = position
        awareness.setLocalState(AwarenessStateFormat.localState(identity: identity, cursor: position), now: .now)
        awarenessDirty = true
        scheduleAwareness()
    }

    /// The current status.
    public var currentStatus: ProviderStatus { status }

    /// What went over the wire so far.
    public var currentStatistics: ProviderStatistics { statistics }

    /// The people online now.
    public var currentOnlineUsers: [OnlineUser] { onlineUsers }

    /// The replica's full state (what a save would write).
    public func encodedState() throws -> [UInt8] { try replica.encodeStateAsUpdate(since: []) }

    /// The replica's text, for checks.
    public func text(_ name: String = "content") -> String { replica.getText(name).toString() }

    /// Whether the replica and the network agree: joined, the initial exchange done,
    /// and every local update sent (and confirmed, when acknowledgements are on).
    public var isSynced: Bool {
        joined && status.isSynced && pendingLocal.isEmpty && outbox.isEmpty && inFlight == nil
    }

    /// Waits until `isSynced`, or `timeout` passes. Returns whether it is synced.
    @discardableResult
    public func waitUntilSynced(timeout: Duration) async -> Bool {
        if isSynced { return true }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if isSynced { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return isSynced
    }

    /// Sends what is unsent (waiting at most `timeout`), announces that this editor
    /// left (awareness `null`, presence untrack), leaves the channel, and stops.
    public func stop(flushTimeout: Duration = .seconds(3)) async {
        guard started, !stopped else { return }
        let deadline = ContinuousClock.now + flushTimeout
        // Flush at once rather than waiting for the batch timer.
        while joined, !(pendingLocal.isEmpty && outbox.isEmpty && inFlight == nil), ContinuousClock.now < deadline {
            formBatch()
            pump()
            try? await Task.sleep(for: .milliseconds(10))
        }
        stopped = true
        for task in tasks { task.cancel() }
        tasks = []
        flushTask?.cancel()
        awarenessTask?.cancel()
        pumpTask?.cancel()
        rejoinTask?.cancel()
        if joined, let channel {
            awareness.setLocalState(nil, now: .now)
            if let bytes = try? AwarenessCodec.encode([awareness.localEntry]) {
                let message = ChannelMessage.awareness(bytes)
                try? await channel.broadcast(event: message.event, json: message.payload)
            }
            try? await channel.untrack()
        }
        if let channel { await channel.unsubscribe() }
        channelTask?.cancel()
        joined = false
        status.connection = .offline(reason: nil)
        eventsContinuation.yield(.status(status))
        eventsContinuation.finish()
    }

    // MARK: - Channel lifecycle

    private func openChannel() async {
        guard !stopped else { return }
        generation += 1
        let current = generation
        // The web app's contract: self false, presence key "users".
        let config = JoinConfig(broadcastSelf: false, broadcastAck: configuration.acknowledgeBroadcasts,
                                presenceKey: "users", presenceEnabled: true)
        let channel = await client.channel(topic, config: config)
        self.channel = channel
        let stream = await channel.events()
        channelTask?.cancel()
        channelTask = Task { [weak self] in
            for await event in stream {
                await self?.handle(event, generation: current)
            }
        }
        setConnection(.connecting)
        do {
            try await channel.subscribe()
        } catch {
            // The client keeps re-joining an errored channel on its own; a refused or
            // closed one is re-opened by `channelClosed`.
            status.warning = "\(error)"
            refreshStatus(force: true)
        }
        guard current == generation, !stopped else { return }
        do {
            try await channel.track(presenceMeta())
        } catch {
            status.warning = "could not announce presence: \(error)"
            refreshStatus(force: true)
        }
    }

    private func presenceMeta() -> [String: JSONValue] {
        [
            "user_id": .string(identity.userID),
            "name": .string(identity.name),
            "color": .string(identity.color),
            "client_id": .integer(Int64(editorClientID)),
            "online_at": .string(ISO8601DateFormatter().string(from: Date())),
        ]
    }

    private func handle(_ event: ChannelEvent, generation: Int) async {
        guard generation == self.generation, !stopped else { return }
        switch event {
        case let .status(channelStatus):
            switch channelStatus {
            case .joined: didJoin()
            case .joining: if !joined { setConnection(.connecting) }
            case let .errored(reason): didLeave(reason: reason, closed: false)
            case .closed: didLeave(reason: nil, closed: true)
            }
        case let .broadcast(name, payload):
            received(event: name, payload: payload)
        case let .presence(presenceEvent):
            await presenceChanged(presenceEvent)
        case let .system(systemStatus, message):
            if systemStatus != "ok" {
                if message.localizedCaseInsensitiveContains("too many messages") { slowDown() }
                status.warning = message
                refreshStatus(force: true)
            }
        }
    }

    private func connectionChanged(_ state: ConnectionState) {
        guard !stopped else { return }
        switch state {
        case let .closed(reconnectIn?):
            if joined { didLeave(reason: "connection lost", closed: false) }
            setConnection(.reconnecting(retryIn: reconnectIn))
        case .closed(nil):
            // Disconnected on purpose (no retry): offline until `connect()`.
            if joined { didLeave(reason: nil, closed: false) }
            setConnection(.offline(reason: nil))
        case .connecting:
            if !joined { setConnection(.connecting) }
        case .open:
            break
        }
    }

    private func didJoin() {
        joined = true
        joinedAt = .now
        status.isSynced = false
        answerStarted = false
        status.warning = nil
        setConnection(.connected)
        sendStep1()
        // Unsent updates go right after the state vector; the cursor is re-announced.
        formBatch()
        awarenessDirty = true
        scheduleAwareness()
        let requestAtJoin = currentRequest
        let timeout = configuration.syncTimeout
        Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.syncTimedOut(request: requestAtJoin)
        }
        pump()
    }

    /// Nobody answered (alone, or only web clients): what we have is what there is.
    /// A large answer that has started arriving is waited for.
    private func syncTimedOut(request: String?) {
        guard joined, request == currentRequest, !status.isSynced, !answerStarted else { return }
        markSynced()
    }

    private func markSynced() {
        guard !status.isSynced else { return }
        status.isSynced = true
        refreshStatus(force: true)
    }

    private func didLeave(reason: String?, closed: Bool) {
        let wasJoined = joined
        joined = false
        status.isSynced = false
        // Unsent updates go back in front of newer ones, to be merged into the
        // first batch after the re-join. Answers to old requests are dropped: the
        // requesters ask again when they re-join.
        let requeued = outbox.compactMap { item -> [UInt8]? in
            if case let .update(bytes) = item.message { return bytes }
            return nil
        }
        pendingLocal = requeued + pendingLocal
        outbox.removeAll()
        pendingAnswers.removeAll()
        if wasJoined, awareness.removeAllRemote() {
            cursors = []
            eventsContinuation.yield(.cursors([]))
        }
        awarenessDirty = true
        if closed {
            scheduleRejoin(reason: reason)
        } else {
            if let reason { status.warning = reason }
            if case .reconnecting = status.connection {} else { setConnection(.connecting) }
            refreshStatus(force: true)
        }
    }

    /// The server closed the channel (it does not re-join on its own): wait, then
    /// open a fresh channel and resync.
    private func scheduleRejoin(reason: String?) {
        guard !stopped, rejoinTask == nil else { return }
        // The backoff starts over only after a join that lasted: a server that keeps
        // closing the channel right after the join gets longer and longer pauses.
        if let joinedAt, ContinuousClock.now - joinedAt > configuration.stableJoin { rejoinAttempt = 0 }
        rejoinAttempt += 1
        let delay = configuration.rejoinBackoff.delay(forAttempt: rejoinAttempt)
        if let reason { status.warning = reason }
        setConnection(.reconnecting(retryIn: delay))
        let oldChannel = channel
        rejoinTask = Task { [weak self] in
            if let oldChannel { await oldChannel.unsubscribe() }
            try? await Task.sleep(for: delay)
            await self?.rejoinNow()
        }
    }

    private func rejoinNow() async {
        rejoinTask = nil
        guard !stopped, !joined else { return }
        await openChannel()
    }

    // MARK: - Incoming

    private func received(event: String, payload: UserPayload) {
        statistics.received[event, default: 0] += 1
        let message: ChannelMessage?
        do {
            message = try ChannelMessage.decode(event: event, payload: payload)
        } catch {
            reject("\(error)")
            return
        }
        switch message {
        case nil:
            return
        case let .update(bytes):
            applyRemote(bytes, event: event)
        case let .syncStep1(request):
            guard request.peer != peerID else { return }
            answerLater(request)
        case let .syncStep2(answer):
            guard answer.peer != peerID else { return }
            pendingAnswers[answer.request]?.answerStateVectors.append(answer.stateVector)
            guard applyRemote(answer.update, event: event) else { return }
            if answer.to == peerID, answer.request == currentRequest {
                answerStarted = true
                if answer.part == answer.parts - 1 { markSynced() }
            }
        case let .awareness(bytes):
            do {
                let entries = try AwarenessCodec.decode(bytes)
                let result = try awareness.apply(entries, now: .now)
                if result.reannounce {
                    awarenessDirty = true
                    scheduleAwareness()
                }
                if result.changed { publishCursors() }
            } catch {
                reject("\(error)")
            }
        }
    }

    /// Validates and applies a remote update to the replica, then hands it to the
    /// editor. An invalid update changes nothing and is reported.
    @discardableResult
    private func applyRemote(_ bytes: [UInt8], event: String) -> Bool {
        do {
            try replica.applyUpdate(bytes, origin: Self.remoteOrigin)
        } catch {
            reject("\(CollabError.invalidUpdate(event: event, reason: "\(error)"))")
            return false
        }
        eventsContinuation.yield(.remoteUpdate(bytes))
        return true
    }

    private func reject(_ reason: String) {
        statistics.rejected += 1
        status.warning = reason
        refreshStatus(force: true)
    }

    // MARK: - Sync

    private func sendStep1() {
        let request = UUID().uuidString.lowercased()
        currentRequest = request
        lastStep1Sent = .now
        outbox.removeAll { if case .syncStep1 = $0.message { return true } else { return false } }
        outbox.insert(Outgoing(.syncStep1(SyncRequest(peer: peerID, request: request,
                                                       stateVector: replica.encodeStateVector()))), at: 0)
        pump()
    }

    private func answerLater(_ request: SyncRequest) {
        guard let theirs = try? StateVectorMap(decoding: request.stateVector) else {
            reject("\(CollabError.malformedMessage(event: CollabEventName.syncStep1, reason: "invalid state vector"))")
            return
        }
        pendingAnswers[request.request] = PendingAnswer(request: request)
        let jitter = Double.random(in: configuration.answerJitter)
        Task { [weak self] in
            try? await Task.sleep(for: .seconds(jitter))
            await self?.answer(request.request)
        }
        // Both ways: if the requester has something this replica lacks, ask for it.
        if let ours = try? StateVectorMap(decoding: replica.encodeStateVector()), theirs.isAhead(of: ours) {
            let now = ContinuousClock.now
            if lastStep1Sent.map({ now - $0 >= configuration.step1Cooldown }) ?? true {
                sendStep1()
            }
        }
    }

    private func answer(_ requestID: String) {
        guard let pending = pendingAnswers.removeValue(forKey: requestID), joined, !stopped else { return }
        let request = pending.request
        let ourVector = replica.encodeStateVector()
        if let ours = try? StateVectorMap(decoding: ourVector),
           let theirs = try? StateVectorMap(decoding: request.stateVector) {
            let covered = pending.answerStateVectors.contains { vector in
                guard let other = try? StateVectorMap(decoding: vector) else { return false }
                return ours.isCovered(by: theirs, other)
            }
            if covered {
                statistics.answersSkipped += 1
                return
            }
        }
        do {
            let diff = try replica.encodeStateAsUpdate(since: request.stateVector)
            let limit = configuration.maxUpdateBytesPerBase64(stateVectorBytes: ourVector.count)
            let parts = try YUpdate.split(diff, maxBytes: limit)
            for (index, part) in parts.enumerated() {
                outbox.append(Outgoing(.syncStep2(SyncAnswer(
                    peer: peerID, request: request.request, to: request.peer, update: part,
                    stateVector: ourVector, part: index, parts: parts.count))))
            }
            statistics.answersSent += 1
        } catch {
            status.warning = "could not answer a sync request: \(error)"
            refreshStatus(force: true)
        }
        pump()
    }

    // MARK: - Presence and awareness

    private func presenceChanged(_ event: PresenceChange) async {
        guard let channel else { return }
        if case let .leave(_, current, left) = event {
            let stillHere = Set(current.compactMap { $0["client_id"].flatMap(PresenceRoster.clientIDValue) })
            let gone = Set(left.compactMap { $0["client_id"].flatMap(PresenceRoster.clientIDValue) }).subtracting(stillHere)
            let allPresent = PresenceRoster.clientIDs(in: await channel.presenceState())
            if awareness.remove(clients: gone.subtracting(allPresent)) { publishCursors() }
        }
        guard case .sync = event else { return }
        presence = await channel.presenceState()
        let users = PresenceRoster.users(from: presence, selfUserID: identity.userID)
        if users != onlineUsers {
            onlineUsers = users
            eventsContinuation.yield(.onlineUsers(users))
        }
    }

    private func publishCursors() {
        let now = AwarenessStateFormat.cursors(from: awareness.remoteStates)
        guard now != cursors else { return }
        cursors = now
        eventsContinuation.yield(.cursors(now))
    }

    private func checkAwareness(now: ContinuousClock.Instant) {
        guard now - lastAwarenessCheck >= configuration.awarenessCheckInterval else { return }
        lastAwarenessCheck = now
        if awareness.needsRenewal(now: now) {
            awareness.renew(now: now)
            awarenessDirty = true
            scheduleAwareness()
        }
        if awareness.expire(now: now) { publishCursors() }
    }

    // MARK: - Outgoing

    /// The server closed us for sending too much (Supabase counts the whole
    /// project): halve our own rate, down to one a second, for `rateRecovery`.
    private func slowDown() {
        slowedDownAt = .now
        limiter = BroadcastRateLimiter(limit: max(1, limiter.limit / 2))
    }

    /// Renews the local awareness state and drops silent remote ones.
    private func housekeeping() {
        guard !stopped else { return }
        if let slowedDownAt, ContinuousClock.now - slowedDownAt > configuration.rateRecovery {
            self.slowedDownAt = nil
            limiter = BroadcastRateLimiter(limit: configuration.maxBroadcastsPerSecond)
        }
        checkAwareness(now: .now)
        if awarenessDirty { scheduleAwareness() }
    }

    /// The first unsent local update starts the batch timer: everything typed in
    /// the next `batchInterval` goes out as one merged update.
    private func scheduleFlush() {
        guard flushTask == nil, !stopped else { return }
        let delay = configuration.batchInterval
        flushTask = Task { [weak self] in
            try? await Task.sleep(for: delay)
            await self?.flush()
        }
    }

    private func flush() {
        flushTask = nil
        guard joined, !stopped else { return }  // sent after the (re)join instead
        formBatch()
        pump()
    }

    /// Sends the cursor at most once per `awarenessThrottle`, always the newest one.
    private func scheduleAwareness() {
        guard awarenessTask == nil, !stopped else { return }
        let now = ContinuousClock.now
        let wait = lastAwarenessSent.map { max(.zero, configuration.awarenessThrottle - (now - $0)) } ?? .zero
        awarenessTask = Task { [weak self] in
            if wait > .zero { try? await Task.sleep(for: wait) }
            await self?.queueAwareness()
        }
    }

    private func queueAwareness() {
        awarenessTask = nil
        guard joined, awarenessDirty, !stopped else { return }
        if !outbox.contains(where: { $0.isAwareness }) {
            outbox.append(Outgoing(.awareness([])))
        }
        awarenessDirty = false
        pump()
    }

    /// Moves pending local updates into the outbox as one merged update (split into
    /// parts when too large), unless an update is already waiting there: then they
    /// keep accumulating and merge into the next one, so a slow link never queues
    /// more than one batch.
    private func formBatch() {
        guard !pendingLocal.isEmpty, !outbox.contains(where: { $0.isUpdate }) else { return }
        do {
            let merged = pendingLocal.count == 1 ? pendingLocal[0] : try YUpdate.merge(pendingLocal)
            let parts = try YUpdate.split(merged, maxBytes: configuration.maxUpdateBytesPerNumberArray)
            outbox.append(contentsOf: parts.map { Outgoing(.update($0)) })
            pendingLocal = []
        } catch {
            // Our own updates always merge; if not, send them one by one rather than lose them.
            outbox.append(contentsOf: pendingLocal.map { Outgoing(.update($0)) })
            pendingLocal = []
            status.warning = "could not merge local updates: \(error)"
        }
    }

    /// Sends the next message when none is in flight and the rate allows.
    private func pump() {
        guard joined, inFlight == nil, !outbox.isEmpty, let channel, !stopped else { return }
        let now = ContinuousClock.now
        guard limiter.allows(at: now) else {
            // Over the rate: try again when the oldest send leaves the window.
            if pumpTask == nil {
                let wait = limiter.delay(at: now)
                pumpTask = Task { [weak self] in
                    try? await Task.sleep(for: wait)
                    await self?.pumpLater()
                }
            }
            return
        }
        var item = outbox.removeFirst()
        if item.isAwareness {
            guard let bytes = try? AwarenessCodec.encode([awareness.localEntry]) else { return }
            item = Outgoing(.awareness(bytes))
            lastAwarenessSent = now
        }
        limiter.record(at: now)
        inFlight = item
        let current = generation
        let message = item.message
        Task { [weak self] in
            do {
                try await channel.broadcast(event: message.event, json: message.payload)
                await self?.sent(message, generation: current)
            } catch {
                await self?.sendFailed(message, error: error, generation: current)
            }
        }
    }

    private func pumpLater() {
        pumpTask = nil
        pump()
    }

    private func sent(_ message: ChannelMessage, generation: Int) {
        inFlight = nil
        statistics.sent[message.event, default: 0] += 1
        if case let .update(bytes) = message { statistics.updateBytesSent += bytes.count }
        // Typed while this batch was waiting: their own batch, on their own timer.
        if !pendingLocal.isEmpty { scheduleFlush() }
        refreshStatus()
        pump()
    }

    private func sendFailed(_ message: ChannelMessage, error: Error, generation: Int) {
        inFlight = nil
        switch message {
        case let .update(bytes):
            // Not confirmed: it goes out again, first, after the re-join.
            pendingLocal.insert(bytes, at: 0)
        case .awareness:
            awarenessDirty = true
            scheduleAwareness()
        case .syncStep1, .syncStep2:
            // Not retried here: every (re)join sends a fresh step 1, and requesters
            // ask again when they re-join. Retrying at once could feed a rate limit.
            break
        }
        status.warning = "\(error)"
        refreshStatus(force: true)
    }

    // MARK: - Status

    private func setConnection(_ connection: ConnectionStatus) {
        guard status.connection != connection else { return }
        status.connection = connection
        refreshStatus(force: true)
    }

    private func refreshStatus(force: Bool = false) {
        let unsent = pendingLocal.count + outbox.filter(\.isUpdate).count + (inFlight?.isUpdate == true ? 1 : 0)
        guard force || unsent != status.unsentUpdates else { return }
        status.unsentUpdates = unsent
        eventsContinuation.yield(.status(status))
    }
}

/// A broadcast waiting to go out. An awareness placeholder is encoded when sent,
/// so it always carries the newest cursor.
struct Outgoing: Sendable {
    var message: ChannelMessage

    init(_ message: ChannelMessage) { self.message = message }

    var isUpdate: Bool { if case .update = message { return true } else { return false } }
    var isAwareness: Bool { if case .awareness = message { return true } else { return false } }
}

/// A sync request this editor will answer unless another peer's answer covers it.
struct PendingAnswer: Sendable {
    var request: SyncRequest
    /// State vectors of the answers other peers sent meanwhile.
    var answerStateVectors: [[UInt8]] = []
}
