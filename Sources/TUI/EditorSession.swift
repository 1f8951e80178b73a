import Foundation

/// Someone editing the document now, for the presence panel.
public struct PresenceUser: Equatable, Sendable {
    /// The presence key (the user id the session announced).
    public var id: String
    /// The name shown in the panel.
    public var name: String
    /// `#rrggbb`; the panel and remote carets draw in the nearest terminal colour.
    public var color: String
    /// Whether this is the local editor (listed first, marked as you).
    public var isSelf: Bool

    public init(id: String, name: String, color: String, isSelf: Bool) {
        self.id = id
        self.name = name
        self.color = color
        self.isSelf = isSelf
    }
}

/// Another editor's caret or selection, as relative positions in our document.
public struct RemoteCaret: Equatable, Sendable {
    /// The other editor's Yjs client id, which keeps its caret apart from others.
    public var clientID: UInt64
    /// The user's name, shown beside the caret.
    public var name: String
    /// `#rrggbb`, as in `PresenceUser.color`.
    public var color: String
    /// Where the selection started (equal to `head` when nothing is selected).
    public var anchor: TextAnchor
    /// Where the caret is.
    public var head: TextAnchor

    public init(clientID: UInt64, name: String, color: String, anchor: TextAnchor, head: TextAnchor) {
        self.clientID = clientID
        self.name = name
        self.color = color
        self.anchor = anchor
        self.head = head
    }
}

/// The connection to the other editors, for the status bar.
public enum ConnectionState: Equatable, Sendable, CustomStringConvertible {
    /// No network at all (a plain file).
    case local
    case connecting
    case connected
    case reconnecting(detail: String)
    case offline(reason: String)

    public var description: String {
        switch self {
        case .local: return "local"
        case .connecting: return "connecting"
        case .connected: return "connected"
        case let .reconnecting(detail): return detail.isEmpty ? "reconnecting" : "reconnecting \(detail)"
        case let .offline(reason): return reason.isEmpty ? "offline" : "offline: \(reason)"
        }
    }
}

/// Whether the document is safely stored.
public enum SaveState: Equatable, Sendable {
    case saved(at: Date?)
    case saving
    case unsaved
    case failed(reason: String)
}

/// Connection and save state together.
public struct SessionState: Equatable, Sendable {
    /// The link to the other editors.
    public var connection: ConnectionState
    /// Whether the document is stored.
    public var save: SaveState
    /// Local edits not yet acknowledged by the other side.
    public var hasUnsyncedChanges: Bool

    public init(connection: ConnectionState, save: SaveState, hasUnsyncedChanges: Bool = false) {
        self.connection = connection
        self.save = save
        self.hasUnsyncedChanges = hasUnsyncedChanges
    }

    /// Nothing would be lost by quitting now.
    public var isSettled: Bool {
        if hasUnsyncedChanges { return false }
        if case .saved = save { return true }
        return false
    }
}

/// What a session hands to the editor. Posted from any thread; applied in order on
/// the editor's UI thread.
public enum EditorEvent: Sendable {
    /// A Yjs update from another editor, to apply to the document.
    case remoteUpdate([UInt8])
    case onlineUsers([PresenceUser])
    case remoteCarets([RemoteCaret])
    case state(SessionState)
    /// A one-line message for the status bar (an error the user should see).
    case notice(String)
    /// Work that must run on the UI thread (e.g. touching the document).
    case perform(@Sendable () -> Void)
}

/// The collaboration side of the editor: network, persistence and presence. The
/// editor calls it only on its UI thread; the session answers by posting
/// `EditorEvent`s to the inbox it is given.
public protocol EditorSession: AnyObject {
    /// Shown in the status bar.
    var documentName: String { get }
    var localUser: PresenceUser { get }
    /// The document the editor edits; remote updates are applied to it.
    var document: EditorDocument { get }
    /// Called once when the editor starts.
    func start(inbox: EditorInbox)
    /// The local caret or selection moved (for awareness; throttle as needed).
    func cursorMoved(anchor: TextAnchor, head: TextAnchor)
    /// The document changed (local or remote), after the editor applied it.
    func documentChanged(_ change: DocumentChange)
    /// Ctrl-S: save as soon as possible; report progress through `.state` events.
    func saveNow()
    /// Applies a remote Yjs update to `document`.
    func applyRemoteUpdate(_ update: [UInt8]) throws
    /// After the editor closed its screen: flush what is unsent and unsaved, leave.
    func quit() async
}

/// A thread-safe mailbox into the editor's UI loop: `post` from any thread; the loop
/// wakes (through a pipe it polls beside the keyboard) and applies the events.
public final class EditorInbox: @unchecked Sendable {
    // A lock rather than an actor: the consumer is a plain thread blocked in poll(2),
    // which cannot await.
    private let lock = NSLock()
    private var events: [EditorEvent] = []
    private let wakeFD: Int32

    init(wakeFD: Int32) {
        self.wakeFD = wakeFD
    }

    /// Queues an event and wakes the UI loop.
    public func post(_ event: EditorEvent) {
        lock.lock()
        events.append(event)
        lock.unlock()
        var byte: UInt8 = 1
        _ = write(wakeFD, &byte, 1)
    }

    func drain() -> [EditorEvent] {
        lock.lock()
        defer { lock.unlock() }
        let taken = events
        events.removeAll()
        return taken
    }
}
