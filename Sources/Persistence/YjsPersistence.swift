import DocumentStorage
import Foundation
import YCRDT

/// The autosaver of one open document.
///
/// Feed it every update the document emits (`record`, synchronous, from the
/// `Doc`'s update callback) and every update received from other editors
/// (`receive`, which checks it first, or `record(_:isLocal: false)`). It keeps
/// the editor's one network-side replica of the document: the provider asks it
/// for state vectors and diffs (`stateVector()`, `encodeState(since:)`) instead
/// of keeping a copy of its own, so the editor process holds the document
/// twice (the editor's and this one), and every update is applied here once.
/// The first unsaved change schedules a save at most `saveDelay` later; changes
/// in between coalesce into that save; nothing is written while nothing changed.
///
/// A save stores the *integrated* document (`StoredState`): under the
/// document's lock it applies the stored rows and this replica's state to a
/// document, encodes that, checks that the bytes load back to the same
/// content, and only then writes them. Saves of several editors therefore
/// never overwrite each other, and what is stored reopens as what the writer
/// saw. On a failed check nothing is written and the edits stay journaled.
///
/// Every update is appended to the crash journal (if given) until a save that
/// contains it has committed; when the journal cannot be written the status
/// says so at once and clears when it can be again. After a save, this
/// machine's copy of the saved state (`StateCache`) is replaced.
///
/// When the store cannot be reached, at open or later, the document is
/// opened from the local copy and the journal, the status says "offline —
/// changes are kept on this machine", the store is tried every
/// `probeInterval`, and the first try that reaches it saves. Content the
/// store holds that this replica lacked (edits saved by others meanwhile) is
/// handed to the editor on `storedChanges`.
public actor YjsPersistence {
    /// Timing of saves and retries.
    public struct Options: Sendable {
        /// The longest a change waits before it is saved.
        public var saveDelay: Duration
        /// The wait before the first retry of a save that failed for another
        /// reason than an unreachable store; it doubles per failure up to
        /// `maximumRetryDelay`.
        public var initialRetryDelay: Duration
        public var maximumRetryDelay: Duration
        /// How often an unreachable store is tried again (a save, which is
        /// also the cheapest way to learn that it is back). At most 5 s; the
        /// default 4 s leaves the try itself time to save within 5 s of the
        /// store's return.
        public var probeInterval: Duration
        /// How long a notice (a recovery report, a refused update) is shown.
        public var noticeLifetime: Duration

        public init(
            saveDelay: Duration = .seconds(10), initialRetryDelay: Duration = .seconds(2),
            maximumRetryDelay: Duration = .seconds(60), probeInterval: Duration = .seconds(4),
            noticeLifetime: Duration = .seconds(60)
        ) {
            self.saveDelay = saveDelay
            self.initialRetryDelay = initialRetryDelay
            self.maximumRetryDelay = maximumRetryDelay
            self.probeInterval = min(probeInterval, .seconds(5))
            self.noticeLifetime = noticeLifetime
        }
    }

    /// The document this autosaver saves.
    public nonisolated let document: DocumentID
    /// The crash journal, if any.
    public nonisolated let journal: Journal?
    /// Content found in the store that the replica lacked (edits others saved
    /// while this editor was offline), as updates to apply to the editor's
    /// document. One consumer.
    public nonisolated let storedChanges: AsyncStream<[UInt8]>

    private let store: DocumentStore
    private let options: Options
    private let inbox: UpdateInbox
    private let localCopy: StateCache?
    /// Writes the loaded state to `localCopy` and marks a single loaded row,
    /// off the actor, until done.
    private var openCopy: Task<WrittenStateMark?, Never>?
    private let storedChangesContinuation: AsyncStream<[UInt8]>.Continuation

    /// This autosaver's replica of the document; nil until loaded.
    private var replica: Doc?
    /// The bytes this editor last wrote, which the replica contains: while the
    /// store still holds exactly them, a save writes the replica's own state.
    private var lastWrite: WrittenStateMark?
    private var loadFailure: String?
    /// Whether the replica holds changes no committed save contains.
    private var stateUnsaved = false
    /// Whether some of those are this editor's own (or recovered from the journal).
    private var localUnsaved = false
    /// How many updates the replica took, and how many of them were this
    /// editor's: a save compares them with its own count to learn whether
    /// updates arrived while it was writing (sync requests and received
    /// updates apply the inbox then too).
    private var changeCount = 0
    private var localChangeCount = 0
    /// Edits recovered from the journal and not saved yet.
    private var recoveredUnsaved = 0
    /// The store was not read at open: the next successful save also brings
    /// in what it holds.
    private var needsStoreSync = false
    /// The journal position and inbox sequence a commit of the replica makes safe.
    private var stateMark: Journal.Mark?
    private var stateSequence = 0
    private var unsavedSince: Date?
    /// When the last save of this session committed.
    public private(set) var lastSaved: Date?
    private var timer: Task<Void, Never>?
    /// Whether a save runs; others wait in `saveWaiters` (one save in flight
    /// per document).
    private var isSaving = false
    private var savingLocal = false
    private var saveWaiters: [CheckedContinuation<Void, Never>] = []
    private var retryDelay: Duration?
    /// Why the last save failed, until one succeeds.
    private var failure: SaveStatus.Phase?
    private var journalOpenProblem: PersistenceError?
    private var notice: (text: String, expires: Date)?
    private var maintenance: Task<Void, Never>?
    private var isClosed = false
    private(set) var saveCount = 0
    /// How many saves brought stored content into the replica (for tests).
    private(set) var storedMergeCount = 0
    /// How many saves found the store holding only what the replica contains
    /// and wrote its state without integrating the rows (for tests).
    private(set) var ownStateSaveCount = 0

    /// The current status; `statusUpdates()` streams its changes.
    public private(set) var status = SaveStatus(phase: .notLoaded(reason: nil))
    private var subscribers: [UUID: AsyncStream<SaveStatus>.Continuation] = [:]

    /// - Parameters:
    ///   - journal: the crash journal of this session (`Journal.open`); its
    ///     recovered updates are applied by `load()` and saved.
    ///   - journalProblem: why there is no journal, when it could not be opened
    ///     (shown as "edits are not crash-safe" until the session ends).
    ///   - localCopy: this machine's copy of the last saved state, opened from
    ///     when the store cannot be reached.
    public init(
        store: DocumentStore, document: DocumentID, journal: Journal? = nil,
        journalProblem: PersistenceError? = nil, localCopy: StateCache? = nil, options: Options = Options()
    ) {
        self.store = store
        self.document = document
        self.journal = journal
        self.localCopy = localCopy
        self.options = options
        inbox = UpdateInbox(journal: journal)
        journalOpenProblem = journalProblem
        (storedChanges, storedChangesContinuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    // MARK: - Loading

    /// What `load()` found.
    public struct LoadedDocument: Sendable {
        /// The document as one update: the stored row itself when the store holds
        /// one and nothing was recovered, else the replica encoded. This is what
        /// this machine's copy is refreshed with after a load from the store.
        public let state: [UInt8]
        /// The document to show, as updates to apply in order to the editor's
        /// `Doc` before editing: the ones the replica integrated, decoded once
        /// for both.
        public let updates: [ParsedUpdate]
        /// The edits recovered from crash journals, as one update (others have
        /// never seen them: send them), or nil.
        public let recovered: [UInt8]?
        /// What recovering the journals found, when there was anything.
        public let recovery: JournalRecovery?
        /// Whether the store could not be read and the local copy was used.
        public let isOffline: Bool
    }

    /// Loads the document: the stored rows (or, when the store cannot be
    /// reached, this machine's copy of them) with the updates recovered from
    /// the crash journal applied. Until this succeeds nothing is saved; call
    /// it again to retry.
    ///
    /// - Throws: the store's error when it can be reached but not read, and
    ///   `StoredStateError.invalidRow` when what it holds is damaged.
    public func load() async throws -> LoadedDocument {
        guard !isClosed else { throw PersistenceError.closed }
        var rows: [[UInt8]]?
        var offlineReason: String?
        do {
            rows = try await store.load(document)
        } catch let StoreError.connectionFailed(reason) {
            offlineReason = Self.firstLine(reason)
        } catch {
            loadFailure = "\(error)"
            publishStatus()
            throw error
        }
        let doc: Doc
        // What the editor's document applies to hold what the replica holds.
        var updates: [ParsedUpdate] = []
        if let rows {
            do {
                updates = try StoredState.parse(rows)
                doc = try StoredState.document(from: updates)
            } catch {
                loadFailure = "\(error)"
                publishStatus()
                throw error
            }
        } else {
            doc = Doc()
            if let cached = localCopy?.read() {
                do {
                    let parsed = try ParsedUpdate(cached)
                    try doc.applyUpdate(parsed)
                    updates = [parsed]
                } catch {
                    showNotice(
                        "this machine's copy \(localCopy?.url.path ?? "") does not apply and was ignored: \(error)")
                }
            }
        }

        let (recovered, recovery) = recover(into: doc)
        replica = doc
        lastWrite = nil
        loadFailure = nil
        // One stored row, with nothing recovered or left pending, is the document
        // as it stands: encoding it again would only cost the open its time.
        let state: [UInt8]
        if let rows, rows.count == 1, recovered == nil, !doc.hasPending {
            state = rows[0]
        } else {
            state = try doc.encodeStateAsUpdate()
        }
        if let rows, !rows.isEmpty, localCopy != nil || rows.count == 1 {
            // Written beside the open rather than on its way, and off this actor,
            // which the session calls while the editor builds its first screen (a
            // 10 MB copy with its fsync took a third of the open). A save and
            // `close()` wait for it, so a newer copy is never overwritten by it.
            // A single row is what the replica was loaded from: marked, it lets
            // the first save skip integrating it again.
            let localCopy = self.localCopy
            let loadedRow = rows.count == 1 && !doc.hasPending ? rows[0] : nil
            openCopy = Task.detached(priority: .utility) { [weak self] in
                if let localCopy {
                    do {
                        try localCopy.write(state)
                    } catch {
                        await self?.showNotice("\(error)")
                    }
                }
                return loadedRow.map(WrittenStateMark.init(of:))
            }
        }
        if let recovered {
            updates.append(try ParsedUpdate(recovered))
        }
        if doc.hasPending {
            // Structs waiting for others stay in the replica; the editor takes
            // the state as encoded, which is what peers would send it.
            updates = [try ParsedUpdate(state)]
        }
        if let recovery, recovery.recovered > 0 {
            localUnsaved = true
            stateUnsaved = true
            recoveredUnsaved = recovery.recovered
            unsavedSince = Date()
        }
        absorbInbox()
        if let offlineReason {
            needsStoreSync = true
            failure = .offline(reason: offlineReason, retryAt: Date() + options.probeInterval.timeInterval)
            scheduleSave(after: options.probeInterval)
        } else if stateUnsaved {
            scheduleSave(after: options.saveDelay)
        }
        publishStatus()
        return LoadedDocument(
            state: state, updates: updates, recovered: recovered, recovery: recovery,
            isOffline: offlineReason != nil)
    }

    /// Applies the records of the journals dead sessions left, keeps the ones
    /// that apply, and settles the journals (`Journal.settleRecovery`).
    private func recover(into doc: Doc) -> (update: [UInt8]?, report: JournalRecovery?) {
        guard let journal else { return (nil, nil) }
        let before = doc.encodeStateVector()
        var accepted: [Bool] = []
        for record in journal.recovered {
            accepted.append((try? doc.applyUpdate(record)) != nil)
        }
        var report: JournalRecovery
        do {
            report = try journal.settleRecovery(accepted: { accepted[$0] })
        } catch {
            // The records are applied and the old journals stay for the next
            // session; only this session's copy of them failed.
            report = journal.recoveryScan
            report.recovered = accepted.filter { $0 }.count
            report.refused = accepted.count - report.recovered
            showNotice(
                "the recovered edits could not be copied into this session's journal (\(error)); the old journals are kept for the next session"
            )
        }
        guard !report.isEmpty else { return (nil, nil) }
        if !report.isComplete { showNotice(report.description) }
        let update = report.recovered > 0 ? try? doc.encodeStateAsUpdate(since: before) : nil
        return (update, report)
    }

    /// Whether `load()` has succeeded.
    public var isLoaded: Bool { replica != nil }

    // MARK: - Recording changes

    /// Records an update of the document (call it from the `Doc`'s update
    /// callback for local edits, and for every update received from another
    /// editor with `isLocal: false`). It is journaled at once and saved within
    /// `saveDelay`. Received updates are saved too, but do not make the
    /// status "unsaved": the writer has nothing of theirs at stake.
    public nonisolated func record(_ update: [UInt8], isLocal: Bool = true) {
        let outcome = inbox.append(update, isLocal: isLocal)
        if outcome.wasEmpty || outcome.journalHealthChanged {
            Task { await self.changed() }
        }
    }

    /// Checks an update received from another editor against the replica and
    /// applies it: journaled at once and saved within `saveDelay`, like
    /// `record(_:isLocal: false)`, but decoded once. An update the replica
    /// refuses changes nothing, is not journaled and is thrown back.
    ///
    /// - Throws: `PersistenceError.notLoaded` before `load()`, and the
    ///   decoder's error for an update the document does not accept.
    public func receive(_ update: ParsedUpdate) throws {
        guard let replica, !isClosed else {
            throw isClosed ? PersistenceError.closed : PersistenceError.notLoaded(document: document.name)
        }
        // Earlier updates first, so the replica takes them in the order they came.
        absorbInbox()
        try replica.applyUpdate(update, origin: TransactionOrigin.remote)
        _ = inbox.append(update.bytes, isLocal: false, isApplied: true)
        absorbInbox()
        changed()
    }

    /// `receive(_:)` for an update not yet decoded.
    public func receive(_ update: [UInt8]) throws {
        try receive(try ParsedUpdate(update))
    }

    /// The replica's state vector, every recorded update applied (what a sync
    /// request sends).
    public func stateVector() throws -> [UInt8] {
        try loadedReplica().encodeStateVector()
    }

    /// What the replica holds beyond `stateVector` (all of it for `[]`), every
    /// recorded update applied: a sync answer, or the whole state for a client
    /// that cannot ask.
    public func encodeState(since stateVector: [UInt8] = []) throws -> [UInt8] {
        try loadedReplica().encodeStateAsUpdate(since: stateVector)
    }

    /// The replica's text `name`, every recorded update applied (for checks).
    public func text(_ name: String = "content") throws -> String {
        try loadedReplica().getText(name).toString()
    }

    private func loadedReplica() throws -> Doc {
        guard let replica else { throw PersistenceError.notLoaded(document: document.name) }
        absorbInbox()
        return replica
    }

    private func changed() {
        guard !isClosed else { return }
        // A sync request may have applied the inbox before this ran: what it
        // applied is unsaved all the same.
        if !inbox.isEmpty || stateUnsaved {
            if unsavedSince == nil, inbox.hasLocal || localUnsaved { unsavedSince = Date() }
            if replica != nil, timer == nil, !isSaving {
                scheduleSave(after: options.saveDelay)
            }
        }
        publishStatus()
    }

    // MARK: - Saving

    /// Saves now (Ctrl-S): waits for a save in flight, then saves whatever it
    /// did not contain. Does nothing when nothing changed.
    public func saveNow() async throws {
        timer?.cancel()
        timer = nil
        try await save()
    }

    /// Saves everything not yet saved and syncs the journal: call at quit,
    /// SIGTERM and SIGHUP. Does nothing when nothing changed.
    public func flush() async throws {
        try await saveNow()
        try journal?.sync()
    }

    /// Why the crash journal cannot be written now, if it cannot: the edits
    /// are still saved, but would not survive a crash.
    public func journalProblem() -> PersistenceError? {
        inbox.journalProblem ?? journal?.syncError ?? journalOpenProblem
    }

    /// Whether edits made here (or recovered) wait to be saved.
    public var hasUnsavedChanges: Bool { localUnsaved || inbox.hasLocal || savingLocal }

    /// Stops the timers and closes the journal (kept on disk while it holds
    /// unsaved records). Call `flush()` first to save.
    public func close() async {
        _ = await openCopy?.value
        isClosed = true
        timer?.cancel()
        timer = nil
        maintenance?.cancel()
        maintenance = nil
        journal?.close()
        for continuation in subscribers.values { continuation.finish() }
        subscribers = [:]
        storedChangesContinuation.finish()
    }

    private func scheduleSave(after delay: Duration) {
        timer?.cancel()
        timer = Task { [weak self] in
            do {
                try await Task.sleep(for: delay)
            } catch {
                return
            }
            await self?.timerFired()
        }
    }

    private func timerFired() async {
        timer = nil
        guard !isClosed else { return }
        _ = try? await save()
    }

    /// Applies what the inbox holds to the replica. An update the replica
    /// refuses (it is not valid, or it conflicts with what the document
    /// holds) is dropped with a notice; it never reaches the store.
    private func absorbInbox() {
        guard let replica else { return }
        let (entries, mark, sequence) = inbox.drain()
        // Everything before the mark is in the replica now (or was refused).
        stateMark = mark
        stateSequence = sequence
        var refused: [String] = []
        for entry in entries {
            if !entry.isApplied {
                do {
                    try replica.applyUpdate(entry.update)
                } catch {
                    refused.append("\(error)")
                    continue
                }
            }
            stateUnsaved = true
            changeCount += 1
            if entry.isLocal {
                localChangeCount += 1
                localUnsaved = true
                if unsavedSince == nil { unsavedSince = Date() }
            }
        }
        if let first = refused.first {
            showNotice(
                "refused \(refused.count) update\(refused.count == 1 ? "" : "s") that the document does not accept: \(first)"
            )
        }
    }

    private func save() async throws {
        // One save in flight per document: wait for it to finish first.
        while isSaving {
            await withCheckedContinuation { saveWaiters.append($0) }
        }
        isSaving = true
        defer { endSaving() }
        // The open's copy first: this save's copy is newer.
        let loadedRow = await openCopy?.value ?? nil
        guard !isClosed else { throw PersistenceError.closed }
        guard let replica else {
            if inbox.isEmpty { return }
            throw PersistenceError.notLoaded(document: document.name)
        }
        absorbInbox()
        guard stateUnsaved || needsStoreSync else { return }

        let local = try replica.encodeStateAsUpdate()
        // What this save holds: sync requests and received updates may apply
        // more of the inbox while the store writes, and those stay unsaved.
        let savedMark = stateMark
        let savedSequence = stateSequence
        let savedChanges = changeCount
        let savedLocalChanges = localChangeCount
        let store = self.store
        let document = self.document
        savingLocal = localUnsaved
        publishStatus()
        // Any bytes the replica contains will do: both marks stay true.
        let contained = lastWrite ?? loadedRow
        let written: [UInt8]
        let route = SaveRoute()
        do {
            written = try await store.save(document) { rows in
                if let contained, contained.isStored(as: rows) {
                    route.tookOwnState()
                    return try StoredState.verifiedOwnState(local)
                }
                return try StoredState.integrate(rows: rows, with: [local])
            }
        } catch {
            savingLocal = false
            saveFailed(error)
            throw error
        }
        savingLocal = false
        saveCount += 1
        if route.wasOwnState { ownStateSaveCount += 1 }
        stateUnsaved = changeCount != savedChanges
        localUnsaved = localChangeCount != savedLocalChanges
        recoveredUnsaved = 0
        needsStoreSync = false
        failure = nil
        retryDelay = nil
        lastSaved = Date()
        if let mark = savedMark {
            // A failed discard only means the next session replays records
            // that are already saved, which applying makes harmless.
            try? journal?.discard(through: mark)
        }
        inbox.committed(through: savedSequence)
        writeLocalCopy(written)
        // Bytes equal to this replica's own state hold nothing it lacks: the store
        // had nothing from others, and decoding the whole document again (10 MB a
        // save for a 10 MB document) would only compete with the typing for CPU.
        let replicaContainsWritten =
            (written == local || bringInStored(written, into: replica)) && !replica.hasPending
        if inbox.hasLocal || localUnsaved {
            unsavedSince = Date()
        } else {
            unsavedSince = nil
        }
        if !inbox.isEmpty || stateUnsaved, timer == nil {
            // Changes made during the save: they wait their own turn.
            scheduleSave(after: options.saveDelay)
        }
        publishStatus()
        // Hashed off the actor (milliseconds for 10 MB); the next save waits
        // for this one to end, so it sees the mark.
        let mark =
            replicaContainsWritten
            ? await Task.detached(priority: .utility) { WrittenStateMark(of: written) }.value : nil
        // The mark speaks of this replica only.
        if self.replica === replica { lastWrite = mark }
    }

    /// What was stored may hold more than the replica (others' saves): apply
    /// it, and hand the difference to the editor. Returns whether it applied.
    private func bringInStored(_ written: [UInt8], into replica: Doc) -> Bool {
        storedMergeCount += 1
        var difference: [UInt8]?
        let observer = replica.onUpdate { update, _ in difference = update }
        defer { replica.removeObserver(observer) }
        do {
            try replica.applyUpdate(written)
        } catch {
            // It was just verified to load; a refusal here is a defect worth seeing.
            showNotice("the saved state does not apply to this editor's copy: \(error)")
            return false
        }
        if let difference { storedChangesContinuation.yield(difference) }
        return true
    }

    private func saveFailed(_ error: Error) {
        if case let StoreError.connectionFailed(reason) = error {
            let delay = options.probeInterval
            failure = .offline(reason: Self.firstLine(reason), retryAt: Date() + delay.timeInterval)
            scheduleSave(after: delay)
        } else {
            let delay = nextRetryDelay()
            failure = .failed(
                reason: "\(error); your edits are kept in the crash journal", retryAt: Date() + delay.timeInterval)
            scheduleSave(after: delay)
        }
        publishStatus()
    }

    private func writeLocalCopy(_ state: [UInt8]) {
        guard let localCopy else { return }
        do {
            try localCopy.write(state)
        } catch {
            showNotice("\(error)")
        }
    }

    private func endSaving() {
        isSaving = false
        let waiters = saveWaiters
        saveWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    private func nextRetryDelay() -> Duration {
        let delay = retryDelay.map { min($0 * 2, options.maximumRetryDelay) } ?? options.initialRetryDelay
        retryDelay = delay
        return delay
    }

    /// libpq's reasons run over several lines; the status bar has one.
    static func firstLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        return line.trimmingCharacters(in: .whitespaces)
    }

    // MARK: - Status

    /// The status now and every change after it.
    public func statusUpdates() -> AsyncStream<SaveStatus> {
        let (stream, continuation) = AsyncStream<SaveStatus>.makeStream(bufferingPolicy: .bufferingNewest(16))
        let id = UUID()
        continuation.yield(status)
        if isClosed {
            continuation.finish()
        } else {
            subscribers[id] = continuation
            continuation.onTermination = { [weak self] _ in
                Task { await self?.unsubscribe(id) }
            }
        }
        return stream
    }

    private func unsubscribe(_ id: UUID) {
        subscribers[id] = nil
    }

    private func showNotice(_ text: String) {
        notice = (text, Date() + options.noticeLifetime.timeInterval)
        publishStatus()
    }

    private var currentPhase: SaveStatus.Phase {
        guard replica != nil else { return .notLoaded(reason: loadFailure) }
        if isSaving, savingLocal { return .saving }
        if let failure { return failure }
        if localUnsaved || inbox.hasLocal {
            return .unsaved(since: unsavedSince ?? Date(), recovered: recoveredUnsaved)
        }
        return .saved(at: lastSaved)
    }

    private func publishStatus() {
        if let current = notice, current.expires <= Date() { notice = nil }
        let newStatus = SaveStatus(
            phase: currentPhase, journalProblem: journalProblem()?.shortReason,
            notice: notice?.text, noticeExpires: notice?.expires)
        if newStatus.journalProblem != nil || newStatus.notice != nil { startMaintenance() }
        guard newStatus != status else { return }
        status = newStatus
        for continuation in subscribers.values { continuation.yield(newStatus) }
    }

    /// While a notice shows or the journal fails: expire the notice on time,
    /// and try the journal again so its warning clears as soon as it works.
    private func startMaintenance() {
        guard maintenance == nil, !isClosed else { return }
        maintenance = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                guard let self, await self.maintain() else { return }
            }
        }
    }

    /// Returns whether there is still something to maintain.
    private func maintain() -> Bool {
        guard !isClosed else { return false }
        inbox.retryJournal()
        publishStatus()
        let keepGoing = status.journalProblem != nil || status.notice != nil
        if !keepGoing { maintenance = nil }
        return keepGoing
    }
}

extension Duration {
    /// Seconds, for `Date` arithmetic.
    var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
