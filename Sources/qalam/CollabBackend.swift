import Collab
import EditorCore
import Foundation
import YCRDT

/// The editor core on a collaborative `EditingSession` (Supabase Realtime or the
/// relay, with autosave and the crash journal): the composition the screen and
/// `--headless` share.
///
/// The editor owns the `Doc`: the session's loaded state is applied first, local
/// updates go to `EditingSession.submit` (journaled, then broadcast within 100 ms),
/// and the session's events are turned into the core's `EditorEvent`s.
final class CollabBackend: EditorBackend {
    /// The network and storage side: provider, autosaver, journal.
    let session: EditingSession
    /// The editor's Yjs document (the root text `content`).
    let ydocument: YTextDocument
    let documentName: String
    var document: EditorDocument { ydocument }
    /// Called with every status the session reports, before it is boiled down for
    /// the status bar (the headless driver prints it as it is).
    var onSessionStatus: (@Sendable (SessionStatus) -> Void)?

    private let relayCheck: RelayProbe?
    private var tasks: [Task<Void, Never>] = []
    private var translator: EventTranslator?

    /// - Parameters:
    ///   - relayCheck: how to find out why the relay cannot be reached (nil for
    ///     Supabase, whose errors speak for themselves).
    /// - Throws: the decoder's error if the session's initial state is not a valid
    ///   update (nothing is shown then).
    init(doc: Doc, session: EditingSession, documentName: String, relayCheck: RelayProbe?) throws {
        self.session = session
        self.documentName = documentName
        self.relayCheck = relayCheck
        // Applied before the editor's document wraps the Doc: nothing needs the
        // change as a delta (the layout is built from the text afterwards), and
        // computing one for a whole document would hold up the first screen.
        for update in session.takeInitialUpdates() { try doc.applyUpdate(update, origin: TransactionOrigin.remote) }
        ydocument = YTextDocument(doc: doc)
        doc.onUpdate { update, origin in
            // A remote update is never sent back; everything else is ours.
            if !YTextDocument.isRemote(origin) { session.submit(update) }
        }
    }

    func start(post: @escaping @Sendable (EditorEvent) -> Void) {
        let translator = EventTranslator(
            ownClient: ydocument.doc.clientID, explainsLinkFailures: relayCheck != nil, post: post)
        self.translator = translator
        let events = session.events
        let onSessionStatus = self.onSessionStatus
        tasks.append(
            Task {
                for await event in events {
                    if case let .status(status) = event { onSessionStatus?(status) }
                    await translator.forward(event)
                }
            })
        if let relayCheck {
            tasks.append(Task { await translator.diagnoseWhileDown(relayCheck) })
        }
    }

    func selectionMoved(_ selection: SharedSelection) {
        session.moveCursor(CursorPosition(anchor: selection.anchor.bytes, head: selection.head.bytes))
    }

    func saveNow() {
        let session = self.session
        let translator = self.translator
        Task {
            do {
                try await session.saveNow()
            } catch {
                await translator?.notice("Save failed: \(error)")
            }
        }
    }

    func applyRemoteUpdate(_ update: ParsedUpdate) throws {
        try ydocument.applyRemoteUpdate(update)
    }

    func quit() async {
        for task in tasks { task.cancel() }
        do {
            try await session.close()
        } catch {
            // The screen is gone by now: tell the shell.
            FileHandle.standardError.write(
                Data(
                    ("qalam: the final save failed (\(SetupError.oneLine(error))); the edits are kept in the "
                        + "crash journal and are restored the next time this document is opened\n").utf8))
        }
    }
}

/// Turns the session's events into the editor's, one at a time: people become
/// collaborators (one per editor session), cursors become carets named as the
/// panel names their owners, statuses become status-bar reports with a hint when
/// the relay cannot be reached.
actor EventTranslator {
    private let ownClient: UInt64
    /// Whether a relay probe says what is wrong with the link, in words a user can
    /// act on: then the transport's own error text ("connection failed:
    /// SingleConnectionFailure(…)") is not flashed at them.
    private let explainsLinkFailures: Bool
    private let post: @Sendable (EditorEvent) -> Void
    private var lastStatus: SessionStatus?
    private var lastWarning: String?
    private var lastSaveNotice: String?
    private var hint: String?
    private var cursors: [RemoteCursor] = []
    private var labels: [UInt64: String] = [:]

    init(ownClient: UInt64, explainsLinkFailures: Bool, post: @escaping @Sendable (EditorEvent) -> Void) {
        self.ownClient = ownClient
        self.explainsLinkFailures = explainsLinkFailures
        self.post = post
    }

    func forward(_ event: SessionEvent) {
        switch event {
        case let .remoteUpdate(update):
            post(.remoteUpdate(update))
        case let .onlineUsers(users):
            post(.collaborators(Self.collaborators(users)))
            var labels: [UInt64: String] = [:]
            for user in users { if let client = user.clientID { labels[client] = user.label } }
            if labels != self.labels {
                self.labels = labels
                postCarets()
            }
        case let .cursors(cursors):
            self.cursors = cursors
            postCarets()
        case let .status(status):
            if status.network.isReadOnly, lastStatus?.network.isReadOnly != true {
                // The relay said so at the join: the provider already sends nothing.
                post(.readOnly(reason: Self.viewerReason))
            }
            lastStatus = status
            if status.network.connection == .connected { hint = nil }
            postReport()
            if let warning = status.network.warning, warning != lastWarning, !isLinkFailure(warning) {
                post(.notice(warning))
            }
            lastWarning = status.network.warning
            if let notice = status.save.notice, notice != lastSaveNotice { post(.notice(notice)) }
            lastSaveNotice = status.save.notice
        }
    }

    func notice(_ text: String) { post(.notice(text)) }

    /// What a refused key says to a viewer.
    static let viewerReason = "this document is shared with you as a viewer; its owner can make you an editor"

    /// A warning that only says, in the transport's terms, that the link is down:
    /// while the hint explains that, it would hide the hint for nothing.
    private func isLinkFailure(_ warning: String) -> Bool {
        guard explainsLinkFailures else { return false }
        if warning.hasPrefix("connection failed") || warning == "connection closed" || warning == "connection lost" {
            return true
        }
        return hint != nil && lastStatus?.network.connection != .connected
    }

    private func postReport() {
        guard let lastStatus else {
            post(.status(StatusReport(connection: .connecting, save: .saved(at: nil), hint: hint)))
            return
        }
        post(.status(Self.report(lastStatus, hint: hint, now: Date())))
    }

    private func postCarets() {
        post(
            .remoteCarets(
                cursors.compactMap { cursor in
                    guard cursor.clientID != ownClient, let position = cursor.position else { return nil }
                    return RemoteCaret(
                        clientID: cursor.clientID, name: labels[cursor.clientID] ?? cursor.name, color: cursor.color,
                        anchor: TextAnchor(bytes: position.anchor), head: TextAnchor(bytes: position.head))
                }))
    }

    /// While the link is down, asks what is on the other end and says so in the
    /// status bar; the hint goes when the link is back.
    func diagnoseWhileDown(_ probe: RelayProbe) async {
        // A healthy start connects well within this; no hint flickers past.
        try? await Task.sleep(for: .milliseconds(1500))
        while !Task.isCancelled {
            if let connection = lastStatus?.network.connection, connection == .connected {
                if hint != nil {
                    hint = nil
                    postReport()
                }
            } else {
                let finding = await probe.check()
                let connected = lastStatus?.network.connection == .connected
                let newHint = connected ? nil : probe.hint(for: finding)
                if newHint != hint {
                    hint = newHint
                    postReport()
                }
            }
            try? await Task.sleep(for: .seconds(3))
        }
    }

    static func collaborators(_ users: [OnlineUser]) -> [Collaborator] {
        users.map { user in
            Collaborator(
                id: user.clientID.map { String($0) } ?? user.userID, name: user.label, color: user.color,
                isSelf: user.isSelf)
        }
    }

    /// The session's state in the status bar's terms.
    static func report(_ status: SessionStatus, hint: String?, now: Date) -> StatusReport {
        let connection: ConnectionIndicator
        switch status.network.connection {
        case .connecting: connection = .connecting
        case .connected: connection = status.network.isSynced ? .connected : .syncing
        case let .reconnecting(retryIn):
            let seconds = Double(retryIn.components.seconds) + Double(retryIn.components.attoseconds) / 1e18
            connection = .reconnecting(retryAt: now.addingTimeInterval(seconds))
        case let .offline(reason): connection = .offline(reason: reason)
        }
        let save: SaveIndicator
        var details: [String] = []
        switch status.save.phase {
        case let .saved(at): save = .saved(at: at)
        case .saving: save = .saving
        case let .unsaved(_, recovered):
            save = .unsaved
            if recovered > 0 { details.append("recovered \(recovered) edit\(recovered == 1 ? "" : "s")") }
        case let .offline(reason, retryAt):
            save = .retrying(text: "offline — changes are kept on this machine (\(reason))", at: retryAt)
        case let .failed(reason, retryAt): save = .retrying(text: "not saved: \(reason)", at: retryAt)
        case let .notLoaded(reason): save = .failed(reason: reason ?? "not loaded")
        }
        if let journal = status.save.journalText { details.append(journal) }
        return StatusReport(
            connection: connection, save: save, unsyncedChanges: status.network.unsentUpdates, hint: hint,
            detail: details.isEmpty ? nil : details.joined(separator: "; "))
    }
}
