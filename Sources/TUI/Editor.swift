import CNcursesw
import Foundation
import TextLayout

/// Settings of one editor run.
public struct EditorOptions: Sendable {
    /// Who reorders bidirectional text: the editor (`app`) or the terminal.
    public var bidiMode: BidiMode
    /// Each paragraph's direction, or `auto` from its first strong character.
    public var baseDirection: BaseDirection
    /// How lam-alef pairs are shown in the monospaced grid.
    public var lamAlef: LamAlefMode
    /// The cells a tab advances to (the next multiple).
    public var tabWidth: Int
    /// Colours for presence (off when `NO_COLOR` is set or the terminal has none).
    public var useColor: Bool
    /// Whether the presence panel is shown at start (Ctrl-P or F4 toggles it).
    public var showPresence: Bool
    /// A message shown in the status bar at start (e.g. a warning about the terminal).
    public var startupNotice: String?

    public init(
        bidiMode: BidiMode = .app, baseDirection: BaseDirection = .auto, lamAlef: LamAlefMode = .separate,
        tabWidth: Int = 4, useColor: Bool = ProcessInfo.processInfo.environment["NO_COLOR"].map { $0.isEmpty } ?? true,
        showPresence: Bool = true
    ) {
        self.bidiMode = bidiMode
        self.baseDirection = baseDirection
        self.lamAlef = lamAlef
        self.tabWidth = tabWidth
        self.useColor = useColor
        self.showPresence = showPresence
    }
}

/// The terminal editor. `run()` takes over the terminal on the calling thread, which
/// then makes every curses call: ncurses is not thread-safe, and a Swift task may
/// resume on any thread. Other threads reach the editor only through the
/// `EditorInbox` handed to the session, which wakes the loop through a pipe polled
/// beside the keyboard.
public final class Editor {
    private let session: EditorSession
    private let options: EditorOptions

    public init(session: EditorSession, options: EditorOptions = EditorOptions()) {
        self.session = session
        self.options = options
    }

    /// Runs the editor on a dedicated thread until the user quits, then lets the
    /// session flush and leave. For `async` callers (the command line).
    public func runOnUIThread() async throws {
        let outcome: Result<Void, Error> = await withCheckedContinuation { continuation in
            let thread = Thread { [self] in
                do {
                    try self.run()
                    continuation.resume(returning: .success(()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.name = "qalam-ui"
            thread.stackSize = 8 << 20
            thread.start()
        }
        await session.quit()
        try outcome.get()
    }

    /// Runs the editor on the calling thread until the user quits (or SIGTERM,
    /// SIGHUP, SIGINT arrive); the terminal is restored on every way out.
    public func run() throws {
        var wakePipe: [Int32] = [-1, -1]
        var signalPipe: [Int32] = [-1, -1]
        guard pipe(&wakePipe) == 0, pipe(&signalPipe) == 0 else {
            throw EditorError.terminalSetupFailed("could not create a pipe: \(String(cString: strerror(errno)))")
        }
        defer { for fd in wakePipe + signalPipe { close(fd) } }
        for fd in wakePipe + signalPipe {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        quitSignalFD = signalPipe[1]
        defer { quitSignalFD = -1 }

        let terminal = try Terminal(bidiMode: options.bidiMode, allowColor: options.useColor)
        defer { terminal.restore() }

        var geometry = ScreenGeometry(rows: terminal.rows, columns: terminal.columns, showPanel: options.showPresence)
        let layoutOptions = LayoutOptions(
            width: geometry.textWidth, tabWidth: options.tabWidth,
            bidiMode: options.bidiMode, baseDirection: options.baseDirection,
            lamAlef: options.lamAlef)
        let state = EditorState(document: session.document, options: layoutOptions, height: geometry.textHeight)
        if !options.showPresence { state.handle(.togglePresence) }
        if let notice = options.startupNotice { state.setMessage(notice) }
        state.onCursorMoved = { [session] anchor, head in session.cursorMoved(anchor: anchor, head: head) }
        state.onDocumentChanged = { [session] change in session.documentChanged(change) }
        let renderer = ScreenRenderer(terminal: terminal, documentName: session.documentName)
        let inbox = EditorInbox(wakeFD: wakePipe[1])
        session.start(inbox: inbox)

        var decoder = KeyDecoder()
        var needsDraw = true
        var running = true
        var lastDraw = Date.distantPast
        while running {
            let wantedGeometry = ScreenGeometry(
                rows: terminal.rows, columns: terminal.columns,
                showPanel: state.showPresence)
            if wantedGeometry != geometry {
                geometry = wantedGeometry
                state.resize(width: geometry.textWidth, height: geometry.textHeight)
                needsDraw = true
            }
            // The status bar's "saved 4 s ago" ages once a second.
            if needsDraw || Date().timeIntervalSince(lastDraw) >= 1 {
                renderer.draw(state, geometry: geometry)
                lastDraw = Date()
                needsDraw = false
            }
            var fds = [
                pollfd(fd: 0, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakePipe[0], events: Int16(POLLIN), revents: 0),
                pollfd(fd: signalPipe[0], events: Int16(POLLIN), revents: 0)
            ]
            let ready = poll(&fds, nfds_t(fds.count), 1000)
            if ready < 0 && errno != EINTR { break }
            if fds[2].revents != 0 {
                let bytes = drain(signalPipe[0])
                if bytes.contains(Terminal.quitByte) { break }
                terminal.suspend()
                needsDraw = true
            }
            if fds[1].revents != 0 {
                drain(wakePipe[0])
                for event in inbox.drain() { apply(event, to: state) }
                needsDraw = true
            }
            // Always drain the keyboard: after EINTR (SIGWINCH) curses has KEY_RESIZE queued.
            var value: wint_t = 0
            while true {
                let result = get_wch(&value)
                if result == ERR { break }
                if result == KEY_CODE_YES && Int32(bitPattern: value) == KEY_RESIZE {
                    needsDraw = true
                    continue
                }
                let key = decoder.decode(value, isKeyCode: result == KEY_CODE_YES) {
                    var event = MEVENT()
                    return getmouse(&event) == OK ? event : nil
                }
                guard let key else { continue }
                needsDraw = true
                switch state.handle(key) {
                case .none: break
                case .save: session.saveNow()
                case .quit: running = false
                }
                if !running { break }
            }
        }
    }

    /// How long a notice from the session (a dropped connection, a server
    /// warning) replaces the name and connection state in the status bar.
    static let noticeDuration: TimeInterval = 5

    private func apply(_ event: EditorEvent, to state: EditorState) {
        switch event {
        case let .remoteUpdate(bytes):
            do { try session.applyRemoteUpdate(bytes) } catch { state.setMessage("Ignored a remote update: \(error)") }
        case let .onlineUsers(users): state.setOnlineUsers(users)
        case let .remoteCarets(carets): state.setRemoteCarets(carets)
        case let .state(sessionState): state.setSessionState(sessionState)
        case let .notice(text): state.setMessage(text, for: Self.noticeDuration)
        case let .perform(work): work()
        }
    }

    /// Reads everything waiting in a non-blocking pipe.
    @discardableResult
    private func drain(_ fd: Int32) -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            received.append(contentsOf: buffer[0..<n])
        }
        return received
    }
}
