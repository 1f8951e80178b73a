/// A place in the text that follows edits made before it, by this editor or by
/// anyone else: a Yjs relative position in its binary encoding for a Yjs document,
/// or any other stable encoding. Opaque to the editor.
public struct TextAnchor: Hashable, Sendable {
    /// The encoded position (for YCRDT, `RelativePosition` v1 bytes).
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }
}

/// One replacement in the text, in UTF-16 offsets of the text *before* it, as the
/// layout needs to follow the document without re-reading it.
public struct TextEdit: Equatable, Sendable {
    /// The UTF-16 range replaced, in the text before the edit.
    public var range: Range<Int>
    /// The text put in its place (empty for a deletion).
    public var replacement: String

    public init(range: Range<Int>, replacement: String) {
        self.range = range
        self.replacement = replacement
    }
}

/// What changed in one transaction: edits applied one after the other.
public struct DocumentChange: Equatable, Sendable {
    /// The edits, each in the offsets left by the ones before it.
    public var edits: [TextEdit]
    /// Whether this editor made the change (typing, paste, undo), as opposed to a
    /// remote update; only local changes may scroll the view.
    public var isLocal: Bool

    public init(edits: [TextEdit], isLocal: Bool) {
        self.edits = edits
        self.isLocal = isLocal
    }
}

/// The text the editor works on, in UTF-16 offsets (as Yjs counts). The editor calls
/// it only from its UI thread.
///
/// The Yjs implementation (a `Y.Text` named `content` with a `Y.UndoManager`) lives
/// with the collaboration layer; `PlainTextDocument` is the in-memory one for
/// offline editing and tests.
public protocol EditorDocument: AnyObject {
    /// The whole text (read at start and after a resync, not per keystroke).
    var text: String { get }
    /// The text's length in UTF-16 code units.
    var utf16Count: Int { get }
    /// Replaces `range` by `replacement` in one local transaction (one undo step,
    /// unless merged with the previous one by the undo manager's capture timeout).
    /// - Throws: when the range is outside the text; nothing changes then.
    func replace(_ range: Range<Int>, with replacement: String) throws
    /// Undoes this editor's last change (never another user's). Returns the offset
    /// where the caret should go, or nil when there is nothing to undo.
    func undo() -> Int?
    /// Redoes the last undone change; returns the caret offset, or nil.
    func redo() -> Int?
    /// Ends the current undo step, so the next edit starts a new one.
    func stopCapturing()
    /// An anchor at `offset`. With `assoc >= 0` it sticks to the character after the
    /// offset (the Yjs default), with `assoc < 0` to the one before.
    func anchor(at offset: Int, assoc: Int) -> TextAnchor
    /// The current offset of an anchor, or nil if it cannot be resolved (its text was
    /// never seen by this document).
    func resolve(_ anchor: TextAnchor) -> Int?
    /// Called after every change, local or remote, on the UI thread.
    var onChange: ((DocumentChange) -> Void)? { get set }
}
