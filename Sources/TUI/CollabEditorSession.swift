import Collab
import Foundation
import YCRDT

/// The editor on a collaborative `EditingSession` (Supabase Realtime or the relay,
/// with autosave and the crash journal).
///
/// The editor owns the `Doc`: the session's loaded state is applied first, local
/// updates go to `EditingSession.submit` (journaled, then broadcast within 100 ms),
/// and the session's events reach the UI thread through the editor's inbox.
///
/// ```swift
/// let doc = Doc()
/// let collab = try await EditingSession.open(configuration, store: store, editorClientID: doc.clientID)
/// let session = try CollabEditorSession(doc: doc, session: collab, documentName: "notes", identity: identity)
/// try await Editor(session: session, options: options).runOnUIThread()   // quits the session too
/// ```
public final class CollabEditorSession: EditorSession {
    /// The network and storage side: provider, autosaver, journal.
    public let collab: EditingSession
    /// The editor's Yjs document (the root text `content`).
    public let ydocument: YTextDocument
    /// The name shown in the status bar.
    public let documentName: String
    /// This editor as the presence panel lists it.
    public let localUser: PresenceUser
    public var document: EditorDocument { ydocument }
    private var listener: Task<Void, Never>?
    private var inbox: EditorInbox?
    private var lastWarning: String?
    private let clientID: UInt64

    /// - Throws: the decoder's error if the session's initial state is not a valid
    ///   update (nothing is shown then).
    public init(doc: Doc, session: EditingSession, documentName: String, identity: CollabIdentity) throws {
        collab = session
        ydocument = YTextDocument(doc: doc, remoteOrigin: SupabaseProvider.remoteOrigin)
        self.documentName = documentName
        clientID = doc.clientID
        localUser = PresenceUser(id: identity.userID, name: identity.name, color: identity.color, isSelf: true)
        try ydocument.applyRemoteUpdate(session.initialState)
        ydocument.undoManager.clear()
        doc.onUpdate { update, origin in
            // A remote update is never sent back; everything else is ours.
            if origin != SupabaseProvider.remoteOrigin { session.submit(update) }
        }
    }

    public func start(inbox: EditorInbox) {
        self.inbox = inbox
        let events = collab.events
        let ownClient = clientID
        listener = Task { [weak self] in
            for await event in events {
                guard let self else { return }
                self.forward(event, ownClient: ownClient)
            }
        }
    }

    private func forward(_ event: SessionEvent, ownClient: UInt64) {
        guard let inbox else { return }
        switch event {
        case let .remoteUpdate(bytes):
            inbox.post(.remoteUpdate(bytes))
        case let .onlineUsers(users):
            inbox.post(
                .onlineUsers(
                    users.map {
                        PresenceUser(id: $0.userID, name: $0.name, color: $0.color, isSelf: $0.isSelf)
                    }))
        case let .cursors(cursors):
            inbox.post(
                .remoteCarets(
                    cursors.compactMap { cursor in
                        guard cursor.clientID != ownClient, let position = cursor.position else { return nil }
                        return RemoteCaret(
                            clientID: cursor.clientID, name: cursor.name, color: cursor.color,
                            anchor: TextAnchor(bytes: position.anchor), head: TextAnchor(bytes: position.head))
                    }))
        case let .status(status):
            inbox.post(.state(Self.sessionState(status)))
            if let warning = status.network.warning, warning != lastWarning {
                inbox.post(.notice(warning))
            }
            lastWarning = status.network.warning
        }
    }

    static func sessionState(_ status: SessionStatus) -> SessionState {
        let connection: ConnectionState
        switch status.network.connection {
        case .connecting: connection = .connecting
        case .connected: connection = status.network.isSynced ? .connected : .reconnecting(detail: "(syncing)")
        case .reconnecting: connection = .reconnecting(detail: "")
        case let .offline(reason): connection = .offline(reason: reason ?? "")
        }
        let save: SaveState
        switch status.save {
        case let .saved(at): save = .saved(at: at)
        case .saving: save = .saving
        case .unsaved: save = .unsaved
        case let .failed(reason, _): save = .failed(reason: reason)
        case let .notLoaded(reason): save = .failed(reason: reason ?? "not loaded")
        }
        return SessionState(
            connection: connection, save: save,
            hasUnsyncedChanges: status.network.unsentUpdates > 0)
    }

    public func cursorMoved(anchor: TextAnchor, head: TextAnchor) {
        collab.moveCursor(CursorPosition(anchor: anchor.bytes, head: head.bytes))
    }

    public func documentChanged(_ change: DocumentChange) {}

    public func saveNow() {
        let collab = self.collab
        let inbox = self.inbox
        Task {
            do { try await collab.saveNow() } catch { inbox?.post(.notice("Save failed: \(error)")) }
        }
    }

    public func applyRemoteUpdate(_ update: [UInt8]) throws {
        try ydocument.applyRemoteUpdate(update)
    }

    public func quit() async {
        listener?.cancel()
        do {
            try await collab.close()
        } catch {
            // The screen is gone by now: tell the shell.
            FileHandle.standardError.write(
                Data(
                    ("qalam: the final save failed (\(error)); the edits are kept in the "
                        + "crash journal and are restored the next time this document is opened\n").utf8))
        }
    }
}
