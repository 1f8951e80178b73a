import EditorCore
import TUI
import YCRDT

/// One editor under measurement: a document and the editor state drawn on the
/// shared headless screen, plus how a remote peer's insert reaches it.
final class Subject {
    let state: EditorState
    private let kind: Kind

    private enum Kind {
        case yjs(YTextDocument, RemotePeer)
        case plain(PlainTextDocument)
    }

    /// The Yjs editor, on `document`, with a peer replica (another client id) that
    /// makes the remote edits.
    init(yjs document: YTextDocument, screen: HeadlessScreen) throws {
        kind = .yjs(document, try RemotePeer(following: document))
        state = screen.makeState(document: document)
    }

    /// The no-CRDT baseline: the same editor state on a plain `[UInt16]` buffer.
    init(plain document: PlainTextDocument, screen: HeadlessScreen) {
        kind = .plain(document)
        state = screen.makeState(document: document)
    }

    var document: EditorDocument { state.document }

    /// Prepares a remote insert of `text` at `offset` (untimed: the peer's own work
    /// and the network) and returns what the editor does when it arrives.
    func remoteInsert(_ text: String, at offset: Int) throws -> () throws -> Void {
        switch kind {
        case let .yjs(document, peer):
            let update = try peer.insert(text, at: offset)
            return { try document.applyRemoteUpdate(update) }
        case let .plain(document):
            return { try document.applyRemote(offset..<offset, with: text) }
        }
    }
}

/// Another client holding a replica of the editor's document: it receives the
/// editor's updates (as the relay would forward them) and makes its own edits,
/// which reach the editor as Yjs updates applied with the remote origin.
final class RemotePeer {
    private let replica = Doc(clientID: 424_242)
    private var inbound: [[UInt8]] = []
    private var outbound: [UInt8] = []

    init(following editor: YTextDocument) throws {
        try replica.applyUpdate(try editor.doc.encodeStateAsUpdate())
        // The editor's update handler is part of every keystroke, as in the real
        // session (CollabBackend submits each update to the session).
        _ = editor.doc.onUpdate { [weak self] update, updateOrigin in
            if !YTextDocument.isRemote(updateOrigin) { self?.inbound.append(update) }
        }
        _ = replica.onUpdate { [weak self] update, _ in self?.outbound.append(contentsOf: update) }
    }

    /// Catches up with the editor, inserts, and returns the update to send.
    func insert(_ text: String, at offset: Int) throws -> [UInt8] {
        for update in inbound { try replica.applyUpdate(update, origin: nil) }
        inbound.removeAll()
        outbound.removeAll()
        replica.getText("content").insert(text, at: offset)
        return outbound
    }
}
