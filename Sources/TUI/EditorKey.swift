/// A decoded key press or terminal event, independent of curses.
public enum EditorKey: Equatable, Sendable {
    case character(Character)
    case enter, tab, backspace, delete, escape
    case left, right, up, down, home, end, pageUp, pageDown
    case wordLeft, wordRight
    case selectLeft, selectRight, selectUp, selectDown, selectHome, selectEnd, selectAll
    case cut, copy, pasteClipboard, undo, redo, find, save, quit
    case flipDirection, help, togglePresence, toggleCursorMode
    /// A bracketed paste: the whole text, applied as one edit.
    case paste(String)
    /// A mouse click at a screen cell (0-based).
    case click(row: Int, column: Int)
    case scrollUp, scrollDown
}

/// What the loop must do after a key.
public enum EditorCommand: Equatable, Sendable {
    case none
    case save
    case quit
}
