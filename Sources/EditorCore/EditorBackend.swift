import YCRDT

/// Someone with the document open now, for the presence panel: one entry per
/// editor session, so one person with two terminals is listed twice.
public struct Collaborator: Equatable, Sendable {
    /// Tells sessions apart (the session's Yjs client id, as text).
    public var id: String
    /// The name shown: the person's name, with " (2)", " (3)"… for their second
    /// and later sessions.
    public var name: String
    /// `#rrggbb`; the panel and remote carets draw in the nearest terminal colour.
    public var color: String
    /// Whether this is this editor (marked "(you)").
    public var isSelf: Bool

    public init(id: String, name: String, color: String, isSelf: Bool) {
        self.id = id
        self.name = name
        self.color = color
        self.isSelf = isSelf
    }
}

/// Another editor's caret or selection, as anchors in our document.
public struct RemoteCaret: Equatable, Sendable {
    /// The other editor's Yjs client id, which keeps its caret apart from others.
    public var clientID: UInt64
    /// The name shown beside the caret.
    public var name: String
    /// `#rrggbb`, as in `Collaborator.color`.
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

/// This editor's caret and selection as the others are told about it.
public struct SharedSelection: Equatable, Sendable {
    /// Where the selection started (equal to `head` for a plain caret).
    public var anchor: TextAnchor
    /// Where the caret is.
    public var head: TextAnchor

    public init(anchor: TextAnchor, head: TextAnchor) {
        self.anchor = anchor
        self.head = head
    }
}

/// What a backend hands to the editor. Posted from any thread; applied in order on
/// the thread that owns the editor.
public enum EditorEvent: Sendable {
    /// A Yjs update from another editor, to apply to the document. Decoded on the
    /// network side, so the UI thread only integrates it.
    case remoteUpdate(ParsedUpdate)
    case collaborators([Collaborator])
    case remoteCarets([RemoteCaret])
    case status(StatusReport)
    /// A one-line message for the status bar (something the writer should see).
    case notice(String)
    /// The server lets this user read the document but not change it (a viewer):
    /// the editor turns read-only, with `reason` on every refused key. One way:
    /// a document opened read-only stays so until it is opened again.
    case readOnly(reason: String)
}

/// The collaboration side of the editor: network, persistence and presence. The
/// editor calls it only from the thread that owns the editor; the backend answers
/// by posting `EditorEvent`s.
public protocol EditorBackend: AnyObject {
    /// Shown in the status bar.
    var documentName: String { get }
    /// The document the editor edits; remote updates are applied to it.
    var document: EditorDocument { get }
    /// Called once when the editor starts, with where to post events.
    func start(post: @escaping @Sendable (EditorEvent) -> Void)
    /// The local caret or selection moved (for awareness; throttle as needed).
    func selectionMoved(_ selection: SharedSelection)
    /// Ctrl-S: save as soon as possible; report progress through `.status` events.
    func saveNow()
    /// Applies a remote Yjs update, decoded already, to `document`.
    func applyRemoteUpdate(_ update: ParsedUpdate) throws
    /// After the editor closed: flush what is unsent and unsaved, leave.
    func quit() async
}
