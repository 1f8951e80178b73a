import Persistence
import YCRDT

/// The network side's copy of the document: what sync requests are answered
/// from and what received updates are checked against.
///
/// An `EditingSession` gives its provider the autosaver's replica
/// (`PersistenceReplica`), so one document serves sync and saves and every
/// update is applied there once; a provider on its own keeps a `DocReplica`.
/// Encoding runs on the replica's actor, never on the editor's UI thread.
public protocol SyncReplica: Sendable {
    /// The state vector, as a `yjs-sync-step1` sends it.
    func stateVector() async throws -> [UInt8]
    /// What the replica holds beyond `stateVector` (everything for `[]`).
    func encodeState(since stateVector: [UInt8]) async throws -> [UInt8]
    /// Applies an update received from another editor (decoded once by the
    /// provider, which hands the same parsed update to the editor).
    /// - Throws: the document's error when it does not accept it; nothing
    ///   changed then.
    func applyReceived(_ update: ParsedUpdate) async throws
    /// Applies an update this editor made (a no-op where the editor's updates
    /// reach the replica another way, as the autosaver's inbox).
    func applyLocal(_ update: [UInt8]) async throws
    /// The text of the root `name`, for checks.
    func text(_ name: String) async throws -> String
}

/// A replica of its own, for a provider without an autosaver.
public actor DocReplica: SyncReplica {
    private let doc = Doc()
    /// The initial state until first needed: decoded off the opening path.
    private var unloaded: [UInt8]?

    /// - Parameter initialState: the document as loaded (may be empty).
    public init(initialState: [UInt8] = []) {
        unloaded = initialState.isEmpty ? nil : initialState
    }

    private func loaded() throws -> Doc {
        if let state = unloaded {
            unloaded = nil
            do {
                try doc.applyUpdate(state, origin: TransactionOrigin.remote)
            } catch {
                throw CollabError.loadFailed("the stored state is not a valid Yjs update (\(error))")
            }
        }
        return doc
    }

    public func stateVector() throws -> [UInt8] { try loaded().encodeStateVector() }

    public func encodeState(since stateVector: [UInt8]) throws -> [UInt8] {
        try loaded().encodeStateAsUpdate(since: stateVector)
    }

    public func applyReceived(_ update: ParsedUpdate) throws {
        try loaded().applyUpdate(update, origin: TransactionOrigin.remote)
    }

    public func applyLocal(_ update: [UInt8]) throws {
        try loaded().applyUpdate(update, origin: nil)
    }

    public func text(_ name: String) throws -> String { try loaded().getText(name).toString() }
}

/// The autosaver's replica as the provider's: received updates are checked,
/// applied and journaled there in one step; the editor's own updates reach it
/// through `YjsPersistence.record`, so `applyLocal` has nothing to do.
public struct PersistenceReplica: SyncReplica {
    public let persistence: YjsPersistence

    public init(_ persistence: YjsPersistence) { self.persistence = persistence }

    public func stateVector() async throws -> [UInt8] { try await persistence.stateVector() }

    public func encodeState(since stateVector: [UInt8]) async throws -> [UInt8] {
        try await persistence.encodeState(since: stateVector)
    }

    public func applyReceived(_ update: ParsedUpdate) async throws { try await persistence.receive(update) }

    public func applyLocal(_ update: [UInt8]) async throws {}

    public func text(_ name: String) async throws -> String { try await persistence.text(name) }
}
