/// What can go wrong in the editor, with what to do about it.
public enum EditorError: Error, Equatable, CustomStringConvertible {
    /// An edit reached outside the text; nothing was changed.
    case rangeOutOfBounds(range: Range<Int>, length: Int)
    /// stdin/stdout is not a terminal.
    case notATerminal
    /// ncurses could not start (unknown TERM, no terminfo entry).
    case terminalSetupFailed(String)
    /// A file could not be read or written.
    case file(path: String, reason: String)

    public var description: String {
        switch self {
        case let .rangeOutOfBounds(range, length):
            return
                "edit \(range.lowerBound)..<\(range.upperBound) lies outside the text (length \(length)); nothing was changed"
        case .notATerminal:
            return "the editor needs a terminal on stdin and stdout; run it interactively (not through a pipe)"
        case let .terminalSetupFailed(reason):
            return
                "could not start the terminal screen: \(reason); check that TERM names a terminal known to terminfo (e.g. TERM=xterm-256color)"
        case let .file(path, reason):
            return "\(path): \(reason)"
        }
    }
}
