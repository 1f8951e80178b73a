#if canImport(Glibc)
    import Glibc
#endif

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

extension TerminalError {
    /// Throws `.notATerminal` unless stdin and stdout are terminals. `qalam edit`
    /// checks it before it opens anything, so a pipe is told so at once and alone.
    public static func checkStandardStreams() throws {
        guard isatty(0) == 1, isatty(1) == 1 else { throw TerminalError.notATerminal }
    }
}
