import DocumentStorage
import Foundation

/// The autosaver of one open document.
///
/// Feed it every update the document emits (`record`, synchronous, from the
/// `Doc`'s update callback). The first unsaved change schedules a save at most
/// `saveDelay` later; changes in between coalesce into that save; nothing is
/// written while nothing changed. A save is a merge-save
/// (`store.save(document) { rows in merge(rows + [local]) }`), so saves of
/// several editors never overwrite each other. One save per document runs at a
/// time. A failed save keeps the changes and is retried with backoff. Every
/// update is also appended to the crash journal (if given) until a save that
/// contains it has committed.
///
/// It refuses to save before `load()` succeeded: an editor that could not
/// read the stored document must not overwrite it with an empty one.
public actor YjsPersistence {
    /// Merges Yjs v1 updates into one (`YUpdate.merge`).
    public typealias Merge = @Sendable ([[UInt8]]) throws -> [UInt8]

    /// Timing of saves and retries.
    public struct Options: Sendable {
        /// The longest a change waits before it is saved.
        public var saveDelay: Duration
        /// The wait before the first retry of a failed save; it doubles per
        /// failure up to `maximumRetryDelay`.
        public var initialRetryDelay: Duration
        public var maximumRetryDelay: Duration

        public init(
            saveDelay: Duration = .seconds(10), initialRetryDelay: Duration = .seconds(2),
            maximumRetryDelay: Duration = .seconds(60)
        ) {
            self.saveDelay = saveDelay
            self.initialRetryDelay = initialRetryDelay
            self.maximumRetryDelay = maximumRetryDelay
        }
    }

    /// The document this autosaver saves.
    public nonisolated let document: DocumentID
    /// The crash journal, if any.
    public nonisolated let journal: Journal?

    private let store: DocumentStore
    private let merge: Merge
    private let options: Options
    private let inbox: UpdateInbox

    /// Everything this replica has seen merged into one update; nil until loaded.
    private var state: [UInt8]?
    /// Whether `state` holds changes no committed save contains.
    private var stateUnsaved = false
    /// The journal position a commit of `state` makes safe to discard.
    private var stateMark: Journal.Mark?
    private var unsavedSince: Date?
    /// When the last save of this session committed.
    public private(set) var lastSaved: Date?
    private var timer: Task<Void, Never>?
    /// Whether a save runs; others wait in `saveWaiters` (one save in flight
    /// per document).
    private var isSaving = false
    private var saveWaiters: [CheckedContinuation<Void, Never>] = []
    private var retryDelay: Duration?
    private var isClosed = false
    private(set) var saveCount = 0

    /// The current status; `statusUpdates()` streams its changes.
    public private(set) var status: SaveStatus = .notLoaded(reason: nil)
    private var subscribers: [UUID: AsyncStream<SaveStatus>.Continuation] = [:]

    /// - Parameters:
    ///   - merge: merges Yjs updates; `YUpdate.merge` in the editor.
    ///   - journal: the crash journal of this session (`Journal.open`); its
    ///     recovered updates are merged in by `load()` and saved.
    public init(
        store: DocumentStore, document: DocumentID, journal: Journal? = nil,
        options: Options = Options(), merge: @escaping Merge
    ) {
        self.store = store
        self.document = document
        self.journal = journal
        self.options = options
        self.merge = merge
        inbox = UpdateInbox(journal: journal)
    }

    // MARK: - Loading

    /// Loads the document: every stored row merged with the updates recovered
    /// from the crash journal. Apply the result to the `Doc` before editing.
    /// Until this succeeds nothing is saved; call it again to retry.
    ///
    /// - Returns: the merged update to apply.
    public func load() async throws -> [UInt8] {
        guard !isClosed else { throw PersistenceError.closed }
        let rows: [[UInt8]]
        do {
            rows = try await store.load(document)
        } catch {
            publish(.notLoaded(reason: "\(error)"))
            throw error
        }
        let recovered = journal?.recovered ?? []
        // Updates recorded before the load finished join the loaded state, so
        // the journal mark taken with them covers everything in it.
        let (early, mark) = inbox.drain()
        let merged: [UInt8]
        do {
            merged = try merge(rows + recovered + early)
        } catch {
            inbox.restore(early)
            publish(.notLoaded(reason: "the stored document cannot be decoded: \(error)"))
            throw PersistenceError.invalidUpdate("\(error)")
        }
        state = merged
        if recovered.isEmpty && early.isEmpty {
            publish(.saved(at: nil))
        } else {
            // Edits a crashed session never saved, or made while loading: save them soon.
            stateUnsaved = true
            stateMark = mark
            markUnsaved()
        }
        return merged
    }

    /// Whether `load()` has succeeded.
    public var isLoaded: Bool { state != nil }

    // MARK: - Recording changes

    /// Records an update of the document (call it from the `Doc`'s update
    /// callback, for local and remote updates alike). It is journaled at once
    /// and saved within `saveDelay`.
    public nonisolated func record(_ update: [UInt8]) {
        if inbox.append(update) {
            Task { await self.changed() }
        }
    }

    private func changed() {
        guard !isClosed, !inbox.isEmpty else { return }
        markUnsaved()
    }

    private func markUnsaved() {
        if unsavedSince == nil { unsavedSince = Date() }
        if state != nil, timer == nil, !isSaving, retryDelay == nil {
            scheduleSave(after: options.saveDelay)
        }
        switch status {
        case .saving, .failed, .notLoaded: break
        default: publish(.unsaved(since: unsavedSince ?? Date()))
        }
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

    /// The last failure to write the crash journal, if any since the last
    /// call: the edits are still saved, but would not survive a crash.
    public func takeJournalFailure() -> PersistenceError? {
        inbox.takeJournalFailure() ?? journal?.syncError
    }

    /// Whether changes are waiting to be saved.
    public var hasUnsavedChanges: Bool { stateUnsaved || !inbox.isEmpty || isSaving }

    /// Stops the timers and closes the journal (kept on disk while it holds
    /// unsaved records). Call `flush()` first to save.
    public func close() {
        isClosed = true
        timer?.cancel()
        timer = nil
        journal?.close()
        for continuation in subscribers.values { continuation.finish() }
        subscribers = [:]
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

    private func save() async throws {
        // One save in flight per document: wait for it to finish first.
        while isSaving {
            await withCheckedContinuation { saveWaiters.append($0) }
        }
        isSaving = true
        defer { endSaving() }
        guard !isClosed else { throw PersistenceError.closed }
        guard let base = state else {
            if inbox.isEmpty { return }
            throw PersistenceError.notLoaded(document: document.name)
        }

        let (updates, mark) = inbox.drain()
        if !updates.isEmpty {
            do {
                state = try merge([base] + updates)
            } catch {
                inbox.restore(updates)
                let failure = PersistenceError.invalidUpdate("\(error)")
                publish(.failed(reason: failure.description, retryIn: .zero))
                throw failure
            }
            stateUnsaved = true
            stateMark = mark
        }
        guard stateUnsaved, let local = state else { return }

        let merge = self.merge
        let store = self.store
        let document = self.document
        publish(.saving)
        do {
            _ = try await store.save(document) { rows in try merge(rows + [local]) }
        } catch {
            let delay = nextRetryDelay()
            publish(.failed(reason: "\(error)", retryIn: delay))
            scheduleSave(after: delay)
            throw error
        }
        saveCount += 1
        stateUnsaved = false
        retryDelay = nil
        let now = Date()
        lastSaved = now
        if let mark = stateMark {
            // A failed discard only means the next session replays records
            // that are already saved, which merging makes harmless.
            try? journal?.discard(through: mark)
        }
        if inbox.isEmpty {
            unsavedSince = nil
            publish(.saved(at: now))
        } else {
            // Changes made during the save: they wait their own turn.
            unsavedSince = now
            publish(.unsaved(since: now))
            if timer == nil { scheduleSave(after: options.saveDelay) }
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

    private func publish(_ newStatus: SaveStatus) {
        guard newStatus != status else { return }
        status = newStatus
        for continuation in subscribers.values { continuation.yield(newStatus) }
    }
}
