import DocumentStorage
import Foundation
import Persistence
import Realtime
import YCRDT

/// Where and as whom to edit a document.
public struct SessionConfiguration: Sendable {
    public var document: DocumentID
    public var identity: CollabIdentity
    /// The Realtime base URL (`http://127.0.0.1:4000`, `https://xyz.supabase.co`).
    public var realtimeURL: URL
    /// The `apikey` (Supabase anon key; anything for a relay without a JWT secret).
    public var apiKey: String
    public var realtimeOptions: RealtimeOptions
    public var provider: ProviderConfiguration
    public var persistence: YjsPersistence.Options
    /// Where the crash journal and this machine's copy of the last saved state
    /// live (`$XDG_STATE_HOME/qalam`); `nil` for neither (tests of the network alone).
    public var journalDirectory: URL?

    public init(
        document: DocumentID, identity: CollabIdentity, realtimeURL: URL, apiKey: String,
        realtimeOptions: RealtimeOptions = .init(), provider: ProviderConfiguration = .init(),
        persistence: YjsPersistence.Options = .init(), journalDirectory: URL? = nil
    ) {
        self.document = document
        self.identity = identity
        self.realtimeURL = realtimeURL
        self.apiKey = apiKey
        self.realtimeOptions = realtimeOptions
        self.provider = provider
        self.persistence = persistence
        self.journalDirectory = journalDirectory
    }
}

/// The connection and save state together, for the status bar.
public struct SessionStatus: Sendable, Equatable, CustomStringConvertible {
    public var network: ProviderStatus
    public var save: SaveStatus

    /// The save side as text, its countdown taken at `now` (see `SaveStatus.text(now:)`).
    public func saveText(now: Date = Date()) -> String { save.text(now: now) }

    public var description: String { "\(network); \(save)" }
}

/// What the editor applies on its UI thread, in order.
public enum SessionEvent: Sendable, Equatable {
    /// Apply this update to the editor's document with a non-local origin.
    /// It is decoded already (the replica integrated the same value).
    case remoteUpdate(ParsedUpdate)
    case onlineUsers([OnlineUser])
    case cursors([RemoteCursor])
    case status(SessionStatus)
}

/// One open document: the network provider, the autosaver and crash journal, and
/// the presence/awareness model, behind a small API for the editor's UI thread.
///
/// The editor owns its `Doc`. It applies the loaded document first
/// (`takeInitialUpdates()` hands it over and lets the session forget it), then sends every local update here
/// with `submit` (synchronous: the update is journaled before this returns, and
/// broadcast within 100 ms), and applies `events` as they come.
///
/// Besides the editor's document the session holds one copy of the document, the
/// autosaver's replica, which the provider shares (`PersistenceReplica`): it
/// answers sync requests, checks received updates and is what saves encode, all
/// off the UI thread.
///
/// ```swift
/// let session = try await EditingSession.open(configuration, store: store, editorClientID: doc.clientID)
/// for update in session.takeInitialUpdates() { try doc.applyUpdate(update, origin: TransactionOrigin.remote) }
/// doc.onUpdate { update, origin in if origin != AnyHashable(TransactionOrigin.remote) { session.submit(update) } }
/// for await event in session.events { … }
/// ```
public actor EditingSession {
    public nonisolated let document: DocumentID
    private nonisolated let loadedState: LoadedStateBox
    /// Whether the store could not be read at open, so the document was opened
    /// from this machine's copy; it is saved when the store is back.
    public nonisolated let openedOffline: Bool
    /// What recovering the crash journals of dead sessions found, if anything.
    public nonisolated let recovery: JournalRecovery?
    public nonisolated let events: AsyncStream<SessionEvent>
    /// The network side, for status queries and tests.
    public nonisolated let provider: SupabaseProvider
    public nonisolated let persistence: YjsPersistence

    private nonisolated let inputs: AsyncStream<Input>.Continuation
    private let eventsContinuation: AsyncStream<SessionEvent>.Continuation
    private let client: RealtimeClient
    private var tasks: [Task<Void, Never>] = []
    private var inputTask: Task<Void, Never>?
    private var status: SessionStatus
    private var closed = false

    enum Input: Sendable {
        case update([UInt8])
        case cursor(CursorPosition?)
        /// Called when every earlier input has reached the provider.
        case barrier(@Sendable () -> Void)
    }

    /// Loads the document from `store` (and the crash journal), connects to the
    /// channel and starts syncing.
    ///
    /// - Throws: `CollabError.loadFailed` when the stored document cannot be read;
    ///   nothing is connected or saved then.
    public static func open(
        _ configuration: SessionConfiguration, store: any DocumentStore,
        editorClientID: UInt64
    ) async throws -> EditingSession {
        // A journal that cannot be opened (a full disk, a read-only home) does
        // not stop the writer: the session runs without one and says so.
        var journal: Journal?
        var journalProblem: PersistenceError?
        if let directory = configuration.journalDirectory {
            do {
                journal = try Journal.open(document: configuration.document, in: directory)
            } catch {
                journalProblem =
                    error as? PersistenceError ?? .journal(path: directory.path, reason: "\(error)")
            }
        }
        let persistence = YjsPersistence(
            store: store, document: configuration.document, journal: journal, journalProblem: journalProblem,
            localCopy: configuration.journalDirectory.map {
                StateCache(document: configuration.document, directory: $0)
            },
            options: configuration.persistence)
        let loaded: YjsPersistence.LoadedDocument
        do {
            loaded = try await persistence.load()
        } catch {
            await persistence.close()
            throw CollabError.loadFailed("\(error)")
        }
        let client: RealtimeClient
        let provider: SupabaseProvider
        do {
            client = try RealtimeClient(
                url: configuration.realtimeURL, apiKey: configuration.apiKey,
                options: configuration.realtimeOptions)
            // The autosaver's replica is the provider's too: one network-side copy.
            provider = try SupabaseProvider(
                client: client, document: configuration.document,
                identity: configuration.identity, editorClientID: editorClientID,
                replica: PersistenceReplica(persistence), configuration: configuration.provider)
        } catch {
            // Nothing was edited yet: release the journal (and its lock) before giving up.
            await persistence.close()
            throw error
        }
        // Edits a crashed session journaled may never have reached anyone: send them.
        if let recovered = loaded.recovered {
            try? await provider.submitLocal(recovered)
        }
        let session = EditingSession(
            document: configuration.document, loaded: loaded, provider: provider,
            persistence: persistence, client: client)
        await session.start()
        return session
    }

    private init(
        document: DocumentID, loaded: YjsPersistence.LoadedDocument, provider: SupabaseProvider,
        persistence: YjsPersistence, client: RealtimeClient
    ) {
        self.document = document
        loadedState = LoadedStateBox(loaded.updates)
        openedOffline = loaded.isOffline
        recovery = loaded.recovery
        self.provider = provider
        self.persistence = persistence
        self.client = client
        (events, eventsContinuation) = AsyncStream.makeStream(of: SessionEvent.self, bufferingPolicy: .unbounded)
        let (inputStream, inputs) = AsyncStream.makeStream(of: Input.self, bufferingPolicy: .unbounded)
        self.inputs = inputs
        status = SessionStatus(network: ProviderStatus(), save: SaveStatus(phase: .saved(at: nil)))
        inputTask = Task { [provider] in
            // One consumer keeps local updates in the order they were made.
            for await input in inputStream {
                switch input {
                case let .update(bytes): try? await provider.submitLocal(bytes)
                case let .cursor(position): await provider.setCursor(position)
                case let .barrier(reached): reached()
                }
            }
        }
    }

    private func start() async {
        let providerEvents = provider.events
        let saveUpdates = await persistence.statusUpdates()
        let persistence = self.persistence
        tasks.append(
            Task { [weak self] in
                // Received updates are already journaled and in the replica
                // (`YjsPersistence.receive`, through the provider's replica).
                for await event in providerEvents {
                    await self?.forward(event)
                }
            })
        let provider = self.provider
        let storedChanges = persistence.storedChanges
        tasks.append(
            Task { [weak self] in
                // Content the store held that this editor lacked (others' saves while
                // it was offline): the editor applies it, and peers get it like an edit.
                for await bytes in storedChanges {
                    // Decoded here, off the UI thread; the replica made these bytes,
                    // so they always parse.
                    if let update = try? ParsedUpdate(bytes) { await self?.forward(.remoteUpdate(update)) }
                    try? await provider.submitLocal(bytes)
                }
            })
        tasks.append(
            Task { [weak self] in
                for await save in saveUpdates {
                    await self?.saveChanged(save)
                }
            })
        await provider.start()
    }

    // MARK: - For the UI thread

    /// The document as loaded (the stored rows, or this machine's copy of them
    /// when the store could not be reached, with the crash journal's leftovers),
    /// as updates to apply in order. They are the ones the replica integrated,
    /// already decoded. Handed over once: the session keeps none of them after
    /// this (a later call returns `[]`).
    public nonisolated func takeInitialUpdates() -> [ParsedUpdate] { loadedState.take() }

    /// Hands a local update of the editor's document to the session. It is written
    /// to the crash journal before this returns, then broadcast with the next batch
    /// and saved with the next autosave.
    public nonisolated func submit(_ update: [UInt8], cursor: CursorPosition? = nil) {
        persistence.record(update)
        inputs.yield(.update(update))
        if let cursor { inputs.yield(.cursor(cursor)) }
    }

    /// Moves the local cursor (relative positions in the editor's document), or hides it.
    public nonisolated func moveCursor(_ cursor: CursorPosition?) {
        inputs.yield(.cursor(cursor))
    }

    /// Saves now (Ctrl-S).
    public func saveNow() async throws {
        guard !closed else { throw CollabError.closed }
        try await persistence.saveNow()
    }

    /// Waits until every local update is sent and the initial exchange with the
    /// other editors is done. Returns whether that happened within `timeout`.
    public func waitUntilSynced(timeout: Duration) async -> Bool {
        // Updates submitted before this call must reach the provider first.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            if case .terminated = inputs.yield(.barrier({ continuation.resume() })) {
                continuation.resume()
            }
        }
        return await provider.waitUntilSynced(timeout: timeout)
    }

    /// The status now.
    public var currentStatus: SessionStatus { status }

    /// Sends what is unsent, saves, leaves the channel, and closes the journal.
    /// - Throws: the save error, if the final save failed (the journal keeps the
    ///   edits; the next session replays them).
    public func close() async throws {
        guard !closed else { return }
        closed = true
        inputs.finish()
        await inputTask?.value
        await provider.stop()
        var saveError: Error?
        do {
            try await persistence.flush()
        } catch {
            saveError = error
        }
        await persistence.close()
        await client.disconnect()
        for task in tasks { task.cancel() }
        eventsContinuation.finish()
        if let saveError { throw saveError }
    }

    // MARK: - Event plumbing

    private func forward(_ event: ProviderEvent) {
        switch event {
        case let .remoteUpdate(update): eventsContinuation.yield(.remoteUpdate(update))
        case let .onlineUsers(users): eventsContinuation.yield(.onlineUsers(users))
        case let .cursors(cursors): eventsContinuation.yield(.cursors(cursors))
        case let .status(network):
            status.network = network
            eventsContinuation.yield(.status(status))
        }
    }

    private func saveChanged(_ save: SaveStatus) {
        status.save = save
        eventsContinuation.yield(.status(status))
    }
}

/// The loaded state until the editor takes it.
private final class LoadedStateBox: @unchecked Sendable {
    private let lock = NSLock()
    private var updates: [ParsedUpdate]

    init(_ updates: [ParsedUpdate]) { self.updates = updates }

    func take() -> [ParsedUpdate] {
        lock.withLock {
            defer { updates = [] }
            return updates
        }
    }
}
