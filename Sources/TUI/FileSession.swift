import Foundation

/// An editor session on a plain UTF-8 file, with no network: the document is a
/// `PlainTextDocument`, Ctrl-S and quitting write the file (atomically, so a crash
/// mid-write never leaves half a file). For offline use and the screen tests.
public final class FileSession: EditorSession {
    /// The file name shown in the status bar.
    public let documentName: String
    /// The only user: this editor.
    public let localUser: PresenceUser
    public var document: EditorDocument { plain }
    /// The file's text being edited.
    public let plain: PlainTextDocument
    private let url: URL
    private var inbox: EditorInbox?
    private var dirty = false
    private var lastSave: Date?

    /// Opens `path`; a missing file starts empty and is created on the first save.
    /// - Throws: `EditorError.file` if the file cannot be read or is not UTF-8.
    public init(path: String, userName: String = ProcessInfo.processInfo.environment["USER"] ?? "me") throws {
        url = URL(fileURLWithPath: path)
        documentName = url.lastPathComponent
        localUser = PresenceUser(id: "local", name: userName, color: "#3fa7d6", isSelf: true)
        var text = ""
        if FileManager.default.fileExists(atPath: path) {
            let data: Data
            do { data = try Data(contentsOf: url) } catch {
                throw EditorError.file(path: path, reason: "cannot be read (\(error.localizedDescription))")
            }
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw EditorError.file(path: path, reason: "is not UTF-8 text; convert it first (e.g. iconv -t UTF-8)")
            }
            text = decoded
        }
        plain = PlainTextDocument(text: text)
    }

    public func start(inbox: EditorInbox) {
        self.inbox = inbox
        inbox.post(.onlineUsers([localUser]))
        inbox.post(.state(state))
    }

    public func cursorMoved(anchor: TextAnchor, head: TextAnchor) {}

    public func documentChanged(_ change: DocumentChange) {
        if !dirty {
            dirty = true
            inbox?.post(.state(state))
        }
    }

    public func saveNow() {
        inbox?.post(.state(write()))
    }

    public func applyRemoteUpdate(_ update: [UInt8]) throws {
        throw EditorError.file(path: url.path, reason: "a plain file takes no remote updates")
    }

    public func quit() async {
        if dirty { _ = write() }
    }

    private var state: SessionState {
        SessionState(connection: .local, save: dirty ? .unsaved : .saved(at: lastSave))
    }

    private func write() -> SessionState {
        do {
            try Data(plain.text.utf8).write(to: url, options: .atomic)
            dirty = false
            lastSave = Date()
            return state
        } catch {
            return SessionState(connection: .local, save: .failed(reason: error.localizedDescription))
        }
    }
}
