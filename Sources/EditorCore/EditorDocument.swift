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

/// Which neighbour an anchor holds on to when text is inserted exactly at it.
public enum AnchorBias: Sendable, Equatable {
    /// The character before the offset (Yjs `assoc < 0`): text inserted at the
    /// anchor lands after it. Right for a caret, whose owner's next keystroke
    /// continues what they typed, whatever others type at the same place.
    case before
    /// The character after the offset (Yjs `assoc >= 0`, its default): text
    /// inserted at the anchor lands before it.
    case after
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

/// The character formatting web editors put on a `Y.Text` (Quill's `bold`,
/// `italic` and `underline` attributes) that a terminal can draw.
public struct TextStyle: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = TextStyle(rawValue: 1)
    public static let italic = TextStyle(rawValue: 2)
    public static let underline = TextStyle(rawValue: 4)
}

/// A stretch of text drawn with one style.
public struct StyledRange: Equatable, Sendable {
    /// UTF-16 offsets in the document.
    public var range: Range<Int>
    public var style: TextStyle

    public init(range: Range<Int>, style: TextStyle) {
        self.range = range
        self.style = style
    }
}

/// The text the editor works on, in UTF-16 offsets (as Yjs counts). The editor calls
/// it only from its UI thread.
///
/// `YTextDocument` is the collaborative one (a `Y.Text` named `content` with a
/// `Y.UndoManager`); `PlainTextDocument` is the in-memory one for tests and the
/// benchmark's baseline.
public protocol EditorDocument: AnyObject {
    /// The whole text (read at start and after a resync, not per keystroke).
    var text: String { get }
    /// The text's length in UTF-16 code units.
    var utf16Count: Int { get }
    /// Replaces `range` by `replacement` in one local transaction (one undo step,
    /// unless merged with the previous one by the undo manager's capture timeout).
    /// Inserted text takes the formatting of the text on its left, as in web editors.
    /// - Throws: `EditorError.rangeOutOfBounds` when the range is outside the text;
    ///   nothing changes then.
    func replace(_ range: Range<Int>, with replacement: String) throws
    /// Undoes this editor's last change (never another user's). Returns the offset
    /// where the caret should go, or nil when there is nothing to undo.
    func undo() -> Int?
    /// Redoes the last undone change; returns the caret offset, or nil.
    func redo() -> Int?
    /// Ends the current undo step, so the next edit starts a new one.
    func stopCapturing()
    /// An anchor at `offset` that holds on to the neighbour `bias` names.
    func anchor(at offset: Int, bias: AnchorBias) -> TextAnchor
    /// The current offset of an anchor, or nil if it cannot be resolved (its text was
    /// never seen by this document).
    func resolve(_ anchor: TextAnchor) -> Int?
    /// The formatted stretches overlapping `range`, in order (unformatted text is
    /// left out).
    func styles(in range: Range<Int>) -> [StyledRange]
    /// Called after every change, local or remote, on the UI thread.
    var onChange: ((DocumentChange) -> Void)? { get set }
}
