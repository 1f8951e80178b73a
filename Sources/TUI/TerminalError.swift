/// Why the full-screen editor could not take over the terminal, with what to do.
public enum TerminalError: Error, Equatable, CustomStringConvertible {
    /// stdin/stdout is not a terminal.
    case notATerminal
    /// ncurses could not start (unknown TERM, no terminfo entry), or the loop's
    /// plumbing could not be set up.
    case setupFailed(String)

    public var description: String {
        switch self {
        case .notATerminal:
            return "the editor needs a terminal on stdin and stdout; run it interactively (not through a pipe)"
        case let .setupFailed(reason):
            return
                "could not start the terminal screen: \(reason); check that TERM names a terminal known to terminfo (e.g. TERM=xterm-256color)"
        }
    }
}
