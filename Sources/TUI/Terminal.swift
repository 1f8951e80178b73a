import CNcursesw
import TextLayout

#if canImport(Glibc)
    import Glibc
#endif

/// ncurses attribute bits and key codes that curses.h defines as expression macros,
/// which Swift does not import.
enum Curses {
    /// `NCURSES_ATTR_SHIFT`: attribute bits sit above the 8 bits of a character.
    static let attrShift = 8
    static let reverse = attr_t(1) << (10 + attrShift)
    static let underline = attr_t(1) << (9 + attrShift)
    static let dim = attr_t(1) << (12 + attrShift)
    static let bold = attr_t(1) << (13 + attrShift)

    static let pasteStart = KEY_MAX + 1
    static let pasteEnd = KEY_MAX + 2
    static let controlLeft = KEY_MAX + 3
    static let controlRight = KEY_MAX + 4
    static let controlHome = KEY_MAX + 5
    static let controlEnd = KEY_MAX + 6
    static let italic = attr_t(1) << (23 + attrShift)

    // NCURSES_MOUSE_MASK(button, event) = event << ((button - 1) * 5), version 2.
    static let button1Pressed = mmask_t(0o2)
    static let button1Clicked = mmask_t(0o4)
    static let button4Pressed = mmask_t(0o2) << 15
    static let button5Pressed = mmask_t(0o2) << 20
    static let allMouseEvents = (mmask_t(0o10) << 25) - 1
}

/// Bytes written to the terminal when it must be put back without curses' help
/// (a crash or a fatal signal), kept in memory that a signal handler may read.
private nonisolated(unsafe) var emergencyRestore: UnsafeMutablePointer<UInt8>?
private nonisolated(unsafe) var emergencyRestoreCount = 0
private nonisolated(unsafe) var savedTermios = termios()
private nonisolated(unsafe) var hasSavedTermios = false
/// The write end of the pipe that turns SIGTERM/SIGHUP/SIGINT into a clean quit,
/// SIGTSTP into a suspension and SIGWINCH into a redraw.
nonisolated(unsafe) var quitSignalFD: Int32 = -1
/// ncurses' own SIGWINCH handler, which the editor's calls first.
private nonisolated(unsafe) var cursesResizeAction = sigaction()

/// Owns the terminal while the editor runs: curses start-up, the modes Qalam sets
/// (bracketed paste, mouse, VTE explicit bidi), and putting everything back on every
/// way out: quit, SIGTERM/SIGHUP/SIGINT (through the loop), and crashes (straight from
/// the signal handler).
final class Terminal {
    let bidiMode: BidiMode
    let usesColor: Bool
    private var screen: OpaquePointer?
    private var restored = false
    private var colorPairs: [Int: (caret: Int16, text: Int16)] = [:]
    private var nextPair: Int16 = 1

    /// Starts curses on the process's terminal.
    /// - Throws: `TerminalError.notATerminal` or `.terminalSetupFailed`.
    init(bidiMode: BidiMode, allowColor: Bool) throws {
        try TerminalError.checkStandardStreams()
        self.bidiMode = bidiMode
        setlocale(LC_ALL, "")
        if let codeset = nl_langinfo(nl_item(CODESET)), String(cString: codeset) != "UTF-8" {
            // Without a UTF-8 locale ncursesw treats input as bytes and Arabic breaks.
            setlocale(LC_CTYPE, "C.UTF-8")
        }
        if tcgetattr(0, &savedTermios) == 0 { hasSavedTermios = true }
        set_escdelay(25)
        guard let screen = newterm(nil, stdout, stdin) else {
            let term = getenv("TERM").map { String(cString: $0) } ?? "(unset)"
            throw TerminalError.setupFailed("TERM=\(term) is not in the terminfo database")
        }
        self.screen = screen
        raw()
        noecho()
        nonl()
        keypad(stdscr, true)
        nodelay(stdscr, true)
        if allowColor && has_colors() {
            start_color()
            use_default_colors()
            usesColor = true
        } else {
            usesColor = false
        }
        mousemask(Curses.allMouseEvents, nil)
        mouseinterval(0)
        define_key("\u{1B}[200~", Curses.pasteStart)
        define_key("\u{1B}[201~", Curses.pasteEnd)
        define_key("\u{1B}[1;5D", Curses.controlLeft)
        define_key("\u{1B}[1;5C", Curses.controlRight)
        define_key("\u{1B}[1;5H", Curses.controlHome)
        define_key("\u{1B}[1;5F", Curses.controlEnd)
        var enter = "\u{1B}[?2004h"
        var leave = "\u{1B}[?2004l"
        if bidiMode == .app {
            // VTE and the terminal-wg draft: explicit mode (we reorder), no arrow swapping.
            enter += "\u{1B}[8l\u{1B}[?1243l"
            leave += "\u{1B}[8h\u{1B}[?1243h"
        }
        writeRaw(enter)
        enterSequence = enter
        Self.armEmergencyRestore(leave + "\u{1B}[?1000l\u{1B}[?1002l\u{1B}[?1006l\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l\r\n")
        Self.installCrashHandlers()
        Self.chainResizeSignal()
        leaveSequence = leave
    }

    private var leaveSequence = ""
    private var enterSequence = ""
    private var headless = false

    /// A curses screen that writes to /dev/null, for measuring the full draw path
    /// without a terminal (the keystroke benchmark). Touches no terminal modes.
    init(headlessRows rows: Int, columns: Int) throws {
        bidiMode = .app
        setlocale(LC_ALL, "")
        if let codeset = nl_langinfo(nl_item(CODESET)), String(cString: codeset) != "UTF-8" {
            setlocale(LC_CTYPE, "C.UTF-8")
        }
        guard let output = fopen("/dev/null", "w"), let input = fopen("/dev/null", "r"),
            let screen = newterm("xterm-256color", output, input)
        else {
            throw TerminalError.setupFailed("no xterm-256color terminfo entry for the headless screen")
        }
        self.screen = screen
        headless = true
        resizeterm(Int32(rows), Int32(columns))
        start_color()
        use_default_colors()
        usesColor = true
    }

    /// Puts the terminal back as it was. Safe to call more than once.
    func restore() {
        guard !restored else { return }
        restored = true
        if !headless { writeRaw(leaveSequence) }
        endwin()
        if let screen { delscreen(screen) }
        screen = nil
        if !headless {
            if hasSavedTermios { tcsetattr(0, TCSANOW, &savedTermios) }
            emergencyRestoreCount = 0
            // The screen is gone: signals mean what they normally do again (a hung
            // final save must still die on SIGTERM).
            for sig in [SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGTSTP] { signal(sig, SIG_DFL) }
            sigaction(SIGWINCH, &cursesResizeAction, nil)
        }
    }

    deinit { restore() }

    var rows: Int { Int(getmaxy(stdscr)) }
    var columns: Int { Int(getmaxx(stdscr)) }

    private func writeRaw(_ s: String) {
        fflush(stdout)
        let bytes = Array(s.utf8)
        bytes.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
    }

    // MARK: - Colours

    /// The pair search matches are drawn in (black on yellow), or nil without colour.
    lazy var matchPair: Int16? = {
        guard usesColor, Int(nextPair) < min(Int(COLOR_PAIRS), 32767) else { return nil }
        let pair = nextPair
        nextPair += 1
        init_pair(pair, Int16(COLOR_BLACK), Int16(COLOR_YELLOW))
        return pair
    }()

    /// The colour pair for a user's `#rrggbb`: `caret` draws a cell on that
    /// background, `text` draws text in that colour. Nil without colour.
    func pairs(forHex hex: String) -> (caret: Int16, text: Int16)? {
        guard usesColor else { return nil }
        let index = Self.nearestColor(hex: hex, available: Int(COLORS))
        if let known = colorPairs[index] { return known }
        guard Int(nextPair) + 1 < min(Int(COLOR_PAIRS), 32767) else { return nil }
        let caret = nextPair
        let text = nextPair + 1
        nextPair += 2
        init_pair(caret, Int16(COLOR_BLACK), Int16(index))
        init_pair(text, Int16(index), -1)
        colorPairs[index] = (caret, text)
        return (caret, text)
    }

    /// The nearest xterm colour to `#rrggbb`: in the 6×6×6 cube with 256 colours,
    /// else among the 8 basic ones.
    static func nearestColor(hex: String, available: Int) -> Int {
        let digits = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
        guard digits.count == 6, let value = Int(digits, radix: 16) else { return 6 }
        let r = (value >> 16) & 0xFF
        let g = (value >> 8) & 0xFF
        let b = value & 0xFF
        if available >= 256 {
            func level(_ c: Int) -> Int { c < 48 ? 0 : c < 115 ? 1 : (c - 35) / 40 }
            return 16 + 36 * level(r) + 6 * level(g) + level(b)
        }
        // Basic colours: bit 0 red, bit 1 green, bit 2 blue; avoid black (invisible on dark).
        let index = (r > 127 ? 1 : 0) | (g > 127 ? 2 : 0) | (b > 127 ? 4 : 0)
        return index == 0 ? 4 : index
    }

    // MARK: - Emergency restore

    private static func armEmergencyRestore(_ s: String) {
        let bytes = Array(s.utf8)
        emergencyRestore?.deallocate()
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count)
        buffer.initialize(from: bytes, count: bytes.count)
        emergencyRestore = buffer
        emergencyRestoreCount = bytes.count
    }

    private static func installCrashHandlers() {
        for sig in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] {
            signal(sig) { received in
                // Only async-signal-safe calls: write(2), tcsetattr(3), signal, raise.
                if let buffer = emergencyRestore, emergencyRestoreCount > 0 {
                    _ = write(1, buffer, emergencyRestoreCount)
                }
                if hasSavedTermios { tcsetattr(0, TCSANOW, &savedTermios) }
                signal(received, SIG_DFL)
                raise(received)
            }
        }
        for sig in [SIGTERM, SIGHUP, SIGINT, SIGQUIT] {
            signal(sig) { _ in
                var byte: UInt8 = Terminal.quitByte
                if quitSignalFD >= 0 { _ = write(quitSignalFD, &byte, 1) }
            }
        }
        // Suspension (`kill -TSTP`; Ctrl-Z is undo in raw mode) is handled by the
        // loop, which puts the terminal back before stopping.
        signal(SIGTSTP) { _ in
            var byte: UInt8 = Terminal.suspendByte
            if quitSignalFD >= 0 { _ = write(quitSignalFD, &byte, 1) }
        }
    }

    static let quitByte: UInt8 = 1
    static let suspendByte: UInt8 = 2
    static let resizeByte: UInt8 = 3

    /// ncurses notes a SIGWINCH in a flag that `get_wch` reads, but the signal
    /// goes to whichever thread the kernel picks, so the UI thread's poll(2) would
    /// sleep on until its timeout and the screen would stay garbled meanwhile. The
    /// editor's handler runs ncurses' and then wakes the loop through the signal pipe.
    private static func chainResizeSignal() {
        var previous = sigaction()
        guard sigaction(SIGWINCH, nil, &previous) == 0 else { return }
        cursesResizeAction = previous
        var action = sigaction()
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART | SA_SIGINFO
        action.__sigaction_handler.sa_sigaction = { signal, info, context in
            let curses = cursesResizeAction
            if curses.sa_flags & SA_SIGINFO != 0 {
                curses.__sigaction_handler.sa_sigaction?(signal, info, context)
            } else if let handler = curses.__sigaction_handler.sa_handler,
                unsafeBitCast(handler, to: Int.self) > 1  // neither SIG_DFL nor SIG_IGN
            {
                handler(signal)
            }
            var byte: UInt8 = Terminal.resizeByte
            if quitSignalFD >= 0 { _ = write(quitSignalFD, &byte, 1) }
        }
        sigaction(SIGWINCH, &action, nil)
    }

    /// Gives the terminal back (modes off, curses ended), stops the process, and
    /// takes the terminal again when it is continued.
    func suspend() {
        guard !headless else { return }
        writeRaw(leaveSequence)
        endwin()
        if hasSavedTermios { tcsetattr(0, TCSANOW, &savedTermios) }
        signal(SIGTSTP, SIG_DFL)
        kill(getpid(), SIGSTOP)
        // Continued: curses restores its modes on the next refresh.
        signal(SIGTSTP) { _ in
            var byte: UInt8 = Terminal.suspendByte
            if quitSignalFD >= 0 { _ = write(quitSignalFD, &byte, 1) }
        }
        writeRaw(enterSequence)
        clearok(stdscr, true)
    }
}
