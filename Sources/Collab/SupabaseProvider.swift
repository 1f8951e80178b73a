import DocumentStorage
import Foundation
import Realtime
import RealtimeProtocol
import YCRDT

/// Connects one document to its Supabase Realtime channel `room:<documentUUID>`.
///
/// The provider works on a replica of the document (the network-side copy,
/// `SyncReplica`): the editor's `Doc` stays on the UI thread and exchanges update
/// bytes with the provider, while the replica answers other editors' sync requests
/// without touching the UI. In an `EditingSession` that replica is the autosaver's,
/// so the editor process holds one network-side document, not two.
///
/// What goes over the channel (docs/ARCHITECTURE.md, "The channel contract"):
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
    /// The presence field value of editors that answer `yjs-sync-step1`.
    static let syncCapability = "qalam/\(collabProtocolVersion)"

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
    let configuration: ProviderConfiguration
    /// The network-side copy of the document.
    public nonisolated let replica: any SyncReplica
    let eventsContinuation: AsyncStream<ProviderEvent>.Continuation

    // Channel lifecycle
    var channel: RealtimeChannel?
    var generation = 0
    var joined = false
    var started = false
    var stopped = false
    /// Callers waiting in `waitUntil`, resumed by `resumeWaiters()` when their
    /// condition holds or by their own timer.
    var waiters: [Int: ProviderWaiter] = [:]
    var nextWaiterID = 0
    var rejoinAttempt = 0
    var joinedAt: ContinuousClock.Instant?
    /// When the server last said we sent too much; the rate stays reduced for a while.
    var slowedDownAt: ContinuousClock.Instant?
    var tasks: [Task<Void, Never>] = []
    var channelTask: Task<Void, Never>?
    var rejoinTask: Task<Void, Never>?
    var flushTask: Task<Void, Never>?
    var awarenessTask: Task<Void, Never>?
    var pumpTask: Task<Void, Never>?

    // Outgoing
    var pendingLocal: [[UInt8]] = []
    var outbox: [Outgoing] = []
    var inFlight: Outgoing?
    var limiter: BroadcastRateLimiter

    // Sync
    var currentRequest: String?
    var lastStep1Sent: ContinuousClock.Instant?
    var answerStarted = false
    var pendingAnswers: [String: PendingAnswer] = [:]

    // Presence and awareness
    var awareness: AwarenessModel
    var cursor: CursorPosition?
    var awarenessDirty = true
    var lastAwarenessSent: ContinuousClock.Instant?
    var lastAwarenessCheck = ContinuousClock.now
    var presence: [String: [JSONValue]] = [:]
    var onlineUsers: [OnlineUser] = []
    /// Whether the first presence state of the current join has arrived: joins
    /// before it are the people already there, not newcomers.
    var presenceSynced = false
    var catchUpTask: Task<Void, Never>?
    var cursors: [RemoteCursor] = []

    var status = ProviderStatus()
    /// When `status.warning` was set; it is cleared `warningLifetime` later.
    var warningSetAt: ContinuousClock.Instant?
    var statistics = ProviderStatistics()

    /// - Parameters:
    ///   - client: a Realtime client (connected or not; the provider connects it).
    ///   - document: the document; the channel is `room:<its UUID>`.
    ///   - identity: who is editing, for presence and cursors.
    ///   - editorClientID: the client id of the editor's own `Doc`.
    ///   - initialState: the document as loaded (store + journal), so the replica can
    ///     answer sync requests from its first join on.
    public init(
        client: RealtimeClient, document: DocumentID, identity: CollabIdentity, editorClientID: UInt64,
        initialState: [UInt8] = [], configuration: ProviderConfiguration = .init()
    ) throws {
        try self.init(
            client: client, document: document, identity: identity, editorClientID: editorClientID,
            replica: DocReplica(initialState: initialState), configuration: configuration)
    }

    /// - Parameters:
    ///   - replica: the document as loaded, shared with whoever else keeps it
    ///     (the autosaver: `PersistenceReplica`); it answers sync requests and
    ///     takes received updates.
    public init(
        client: RealtimeClient, document: DocumentID, identity: CollabIdentity, editorClientID: UInt64,
        replica: any SyncReplica, configuration: ProviderConfiguration = .init()
    ) throws {
        try configuration.validate()
        self.client = client
        self.document = document
        self.topic = "room:\(document)"
        self.peerID = UUID().uuidString.lowercased()
        self.identity = identity
        self.editorClientID = editorClientID
        self.configuration = configuration
        self.limiter = BroadcastRateLimiter(limit: configuration.maxBroadcastsPerSecond)
        self.awareness = AwarenessModel(
            localClientID: editorClientID, timeout: configuration.awarenessTimeout,
            renewInterval: configuration.awarenessRenewInterval)
        self.replica = replica
        (events, eventsContinuation) = AsyncStream.makeStream(of: ProviderEvent.self, bufferingPolicy: .unbounded)
    }

    // MARK: - Public API

    /// Connects and joins the channel in the background, and starts the awareness
    /// housekeeping; returns at once, whatever the network does.
    public func start() async {
        guard !started else { return }
        started = true
        awareness.setLocalState(AwarenessStateFormat.localState(identity: identity, cursor: cursor), now: .now)
        let connectionStates = await client.connectionStates()
        let client = self.client
        tasks.append(
            Task { [weak self] in
                // The stream starts with the state before `connect()`: not news.
                var replayedCurrent = true
                for await state in connectionStates {
                    if replayedCurrent {
                        replayedCurrent = false
                        continue
                    }
                    await self?.connectionChanged(state, failure: await client.lastFailure)
                }
            })
        await client.connect()
        // Joining waits for the network (a join timeout, then a presence one, when
        // the relay cannot be reached): never make the caller wait for it. The
        // editor shows its first screen at once and the status says how it goes.
        tasks.append(
            Task { [weak self] in
                await self?.openChannel()
            })
        // Awareness renewals and timeouts; batches have timers of their own, so an
        // idle editor sends nothing and wakes up only for this.
        let interval = configuration.awarenessCheckInterval
        tasks.append(
            Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    guard let self else { return }
                    await self.housekeeping()
                }
            })
    }

    /// Queues a local update (from the editor's document) for the next batch.
    /// The replica has it before this returns, so sync answers include it.
    public func submitLocal(_ update: [UInt8]) async throws {
        guard !stopped else { throw CollabError.closed }
        // A viewer's edit never leaves this editor (the relay would drop it too).
        guard !status.isReadOnly else { throw CollabError.readOnly }
        try await replica.applyLocal(update)
        guard !stopped else { throw CollabError.closed }
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

    /// The replica's text, for checks ("" when it cannot be read).
    public func text(_ name: String = "content") async -> String {
        (try? await replica.text(name)) ?? ""
    }

    /// The replica's whole state, for checks that a refused update changed nothing.
    public func replicaState() async throws -> [UInt8] { try await replica.encodeState(since: []) }

    /// Whether the replica and the network agree: joined, the initial exchange done,
    /// and every local update sent (and confirmed, when acknowledgements are on).
    public var isSynced: Bool {
        joined && status.isSynced && pendingLocal.isEmpty && outbox.isEmpty && inFlight == nil
    }

    /// Waits until `isSynced`, or `timeout` passes. Returns whether it is synced.
    @discardableResult
    public func waitUntilSynced(timeout: Duration) async -> Bool {
        await waitUntil(timeout: timeout) { $0.isSynced }
    }

    /// Whether every local update has gone out (and been confirmed, with acks).
    var isFlushed: Bool { pendingLocal.isEmpty && outbox.isEmpty && inFlight == nil }

    /// Suspends until `condition` holds (checked whenever the provider's state
    /// moves, in `resumeWaiters()`) or `timeout` passes; returns whether it holds.
    func waitUntil(timeout: Duration, _ condition: @escaping @Sendable (isolated SupabaseProvider) -> Bool) async
        -> Bool
    {
        if condition(self) { return true }
        let id = nextWaiterID
        nextWaiterID += 1
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.resumeWaiter(id)
        }
        await withCheckedContinuation { continuation in
            waiters[id] = ProviderWaiter(condition: condition, continuation: continuation)
        }
        timer.cancel()
        return condition(self)
    }

    private func resumeWaiter(_ id: Int) {
        waiters.removeValue(forKey: id)?.continuation.resume()
    }

    /// Resumes the waiters whose condition now holds.
    func resumeWaiters() {
        for (id, waiter) in waiters where waiter.condition(self) {
            waiters[id] = nil
            waiter.continuation.resume()
        }
    }

    /// Sends what is unsent (waiting at most `timeout`), announces that this editor
    /// left (awareness `null`, presence untrack), leaves the channel, and stops.
    public func stop(flushTimeout: Duration = .seconds(3)) async {
        guard started, !stopped else { return }
        if joined {
            // Flush at once rather than waiting for the batch timer.
            formBatch()
            pump()
            _ = await waitUntil(timeout: flushTimeout) { !$0.joined || $0.isFlushed }
        }
        stopped = true
        for task in tasks { task.cancel() }
        tasks = []
        flushTask?.cancel()
        catchUpTask?.cancel()
        awarenessTask?.cancel()
        pumpTask?.cancel()
        rejoinTask?.cancel()
        if joined, let channel {
            awareness.setLocalState(nil, now: .now)
            let message = ChannelMessage.awareness(AwarenessUpdate(entries: [awareness.localEntry]).encode())
            try? await channel.broadcast(event: message.event, json: message.payload)
            try? await channel.untrack()
        }
        if let channel { await channel.unsubscribe() }
        channelTask?.cancel()
        joined = false
        status.connection = .offline(reason: nil)
        eventsContinuation.yield(.status(status))
        eventsContinuation.finish()
        for waiter in waiters.values { waiter.continuation.resume() }
        waiters = [:]
    }

    // MARK: - Channel lifecycle

    func openChannel() async {
        guard !stopped else { return }
        generation += 1
        let current = generation
        // The web app's contract: self false, presence key "users".
        let config = JoinConfig(
            broadcastSelf: false, broadcastAck: configuration.acknowledgeBroadcasts,
            presenceKey: "users", presenceEnabled: true, isPrivate: configuration.privateChannel)
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
            // closed one is re-opened by `channelClosed`. A join that timed out because
            // the client refused the server (a foreign program on the port) says so.
            setWarning((await client.lastFailure)?.description ?? "\(error)")
            refreshStatus(force: true)
        }
        guard current == generation, !stopped else { return }
        do {
            try await channel.track(presenceMeta())
        } catch {
            setWarning("could not announce presence: \(error)")
            refreshStatus(force: true)
        }
    }

    func presenceMeta() -> [String: JSONValue] {
        [
            "user_id": .string(identity.userID),
            "name": .string(identity.name),
            "color": .string(identity.color),
            "client_id": .integer(Int64(editorClientID)),
            "online_at": .string(ISO8601DateFormatter().string(from: Date())),
            // Marks editors that speak the sync events; the others (the web app)
            // are caught up with the whole state when they join (see `catchUpWebClients`).
            "sync": .string(Self.syncCapability)
        ]
    }

    func handle(_ event: ChannelEvent, generation: Int) async {
        guard generation == self.generation, !stopped else { return }
        switch event {
        case let .status(channelStatus):
            switch channelStatus {
            case .joined:
                await readAccess()
                await didJoin()
            case .joining: if !joined { setConnection(.connecting) }
            case let .errored(reason): didLeave(reason: reason, closed: false)
            case .closed: didLeave(reason: nil, closed: true)
            }
        case let .broadcast(name, payload):
            await received(event: name, payload: payload)
        case let .presence(presenceEvent):
            await presenceChanged(presenceEvent)
        case let .system(systemStatus, message):
            if systemStatus != "ok" {
                if message.localizedCaseInsensitiveContains("too many messages") { slowDown() }
                setWarning(message)
                refreshStatus(force: true)
            }
        }
    }

    /// Reads what the server said this user may do (a Qalam relay's join reply
    /// carries `access`); a viewer's provider sends nothing that changes the document.
    func readAccess() async {
        guard let channel, let write = await channel.joinResponse()?["access"]?["write"]?.boolValue else { return }
        if write {
            guard status.isReadOnly else { return }
            status.isReadOnly = false
            refreshStatus(force: true)
        } else {
            becomeReadOnly()
        }
    }

    /// From now on nothing that changes the document leaves this provider.
    func becomeReadOnly() {
        guard !status.isReadOnly else { return }
        status.isReadOnly = true
        pendingLocal = []
        outbox.removeAll { !$0.isSyncRequest }
        pendingAnswers.removeAll()
        refreshStatus(force: true)
    }

    func connectionChanged(_ state: ConnectionState, failure: RealtimeError? = nil) {
        guard !stopped else { return }
        switch state {
        case let .closed(reconnectIn?):
            if joined { didLeave(reason: "connection lost", closed: false) }
            // The client dropped the socket itself: say why (a foreign program on the port).
            if let failure { status.warning = failure.description }
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

    func didJoin() async {
        joined = true
        presenceSynced = false
        joinedAt = .now
        status.isSynced = false
        answerStarted = false
        status.warning = nil
        setConnection(.connected)
        await sendStep1()
        guard joined, !stopped else { return }
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
    func syncTimedOut(request: String?) {
        guard joined, request == currentRequest, !status.isSynced, !answerStarted else { return }
        markSynced()
    }

    func markSynced() {
        guard !status.isSynced else { return }
        status.isSynced = true
        refreshStatus(force: true)
    }

    func didLeave(reason: String?, closed: Bool) {
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
            if let reason { setWarning(reason) }
            if case .reconnecting = status.connection {} else { setConnection(.connecting) }
            refreshStatus(force: true)
        }
    }

    /// The server closed the channel (it does not re-join on its own): wait, then
    /// open a fresh channel and resync.
    func scheduleRejoin(reason: String?) {
        guard !stopped, rejoinTask == nil else { return }
        // The backoff starts over only after a join that lasted: a server that keeps
        // closing the channel right after the join gets longer and longer pauses.
        if let joinedAt, ContinuousClock.now - joinedAt > configuration.stableJoin { rejoinAttempt = 0 }
        rejoinAttempt += 1
        let delay = configuration.rejoinBackoff.delay(forAttempt: rejoinAttempt)
        if let reason { setWarning(reason) }
        setConnection(.reconnecting(retryIn: delay))
        let oldChannel = channel
        rejoinTask = Task { [weak self] in
            if let oldChannel { await oldChannel.unsubscribe() }
            try? await Task.sleep(for: delay)
            await self?.rejoinNow()
        }
    }

    func rejoinNow() async {
        rejoinTask = nil
        guard !stopped, !joined else { return }
        await openChannel()
    }

    // MARK: - Status

    func setConnection(_ connection: ConnectionStatus) {
        guard status.connection != connection else { return }
        status.connection = connection
        refreshStatus(force: true)
    }

    /// Shows `text` as the warning until `warningLifetime` passes (or a newer
    /// one replaces it): a warning is about one event, not a lasting state.
    func setWarning(_ text: String) {
        status.warning = text
        warningSetAt = .now
    }

    /// Clears a warning that has been shown long enough.
    func expireWarning(now: ContinuousClock.Instant) {
        guard status.warning != nil, let warningSetAt, now - warningSetAt >= configuration.warningLifetime else {
            return
        }
        status.warning = nil
        self.warningSetAt = nil
        refreshStatus(force: true)
    }

    func refreshStatus(force: Bool = false) {
        resumeWaiters()
        let unsent = pendingLocal.count + outbox.filter(\.isUpdate).count + (inFlight?.isUpdate == true ? 1 : 0)
        guard force || unsent != status.unsentUpdates else { return }
        status.unsentUpdates = unsent
        eventsContinuation.yield(.status(status))
    }
}
