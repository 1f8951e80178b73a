import CNcursesw
import EditorCore
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
    /// Why the document may not be changed here (a viewer), or nil.
    public var readOnly: String?

    public init(
        bidiMode: BidiMode = .app, baseDirection: BaseDirection = .auto, lamAlef: LamAlefMode = .separate,
        tabWidth: Int = 4, useColor: Bool = ProcessInfo.processInfo.environment["NO_COLOR"].map { $0.isEmpty } ?? true,
        showPresence: Bool = true, readOnly: String? = nil
    ) {
        self.bidiMode = bidiMode
        self.baseDirection = baseDirection
        self.lamAlef = lamAlef
        self.tabWidth = tabWidth
        self.useColor = useColor
        self.showPresence = showPresence
        self.readOnly = readOnly
    }
}

/// The terminal editor. `run()` takes over the terminal on the calling thread, which
/// then makes every curses call: ncurses is not thread-safe, and a Swift task may
/// resume on any thread. The backend reaches the editor only by posting events to
/// an `EditorInbox`, which wakes the loop through a pipe polled beside the keyboard.
public final class Editor {
    private let backend: EditorBackend
    private let options: EditorOptions

    public init(backend: EditorBackend, options: EditorOptions = EditorOptions()) {
        self.backend = backend
        self.options = options
    }

    /// Runs the editor on a dedicated thread until the user quits, then lets the
    /// backend flush and leave. For `async` callers (the command line).
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
        await backend.quit()
        try outcome.get()
    }

    /// Runs the editor on the calling thread until the user quits (or SIGTERM,
    /// SIGHUP, SIGINT arrive); the terminal is restored on every way out.
    public func run() throws {
        var wakePipe: [Int32] = [-1, -1]
        var signalPipe: [Int32] = [-1, -1]
        guard pipe(&wakePipe) == 0, pipe(&signalPipe) == 0 else {
            throw TerminalError.setupFailed("could not create a pipe: \(String(cString: strerror(errno)))")
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
        let controller = EditorController(
            backend: backend, options: layoutOptions, height: geometry.textHeight, readOnly: options.readOnly)
        let state = controller.state
        if !options.showPresence { state.perform(.togglePresence) }
        if let notice = options.startupNotice { state.setMessage(notice) }
        let renderer = ScreenRenderer(terminal: terminal, documentName: backend.documentName)
        // The first screen, before anything of the network is known.
        renderer.draw(state, geometry: geometry)
        let inbox = EditorInbox(wakeFD: wakePipe[1])
        controller.start(post: { [inbox] event in inbox.post(event) })

        var decoder = KeyDecoder()
        var needsDraw = false
        var running = true
        var lastDraw = Date()
        while running {
            let wantedGeometry = ScreenGeometry(
                rows: terminal.rows, columns: terminal.columns,
                showPanel: state.showPresence)
            if wantedGeometry != geometry {
                geometry = wantedGeometry
                state.resize(width: geometry.textWidth, height: geometry.textHeight)
                needsDraw = true
            }
            // The status bar's "saved 4 s ago" and countdowns age once a second.
            if needsDraw || Date().timeIntervalSince(lastDraw) >= 1 {
                renderer.draw(state, geometry: geometry)
                lastDraw = Date()
                needsDraw = false
            }
            // Words still being counted: look for keys at once and count on between them.
            let timeout: Int32 = state.hasUncountedText ? 0 : 1000
            var fds = [
                pollfd(fd: 0, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakePipe[0], events: Int16(POLLIN), revents: 0),
                pollfd(fd: signalPipe[0], events: Int16(POLLIN), revents: 0)
            ]
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready == 0 && state.hasUncountedText, state.countWhileIdle() { needsDraw = true }
            if ready < 0 && errno != EINTR { break }
            if fds[2].revents != 0 {
                let bytes = drain(signalPipe[0])
                if bytes.contains(Terminal.quitByte) { break }
                if bytes.contains(Terminal.suspendByte) { terminal.suspend() }
                needsDraw = true
            }
            if fds[1].revents != 0 {
                drain(wakePipe[0])
                for event in inbox.drain() { controller.apply(event) }
                needsDraw = true
            }
            // Always drain the keyboard: after a SIGWINCH curses has KEY_RESIZE queued.
            var value: wint_t = 0
            while true {
                let result = get_wch(&value)
                if result == ERR { break }
                if result == KEY_CODE_YES && Int32(bitPattern: value) == KEY_RESIZE {
                    needsDraw = true
                    continue
                }
                let input = decoder.decode(value, isKeyCode: result == KEY_CODE_YES) {
                    var event = MEVENT()
                    return getmouse(&event) == OK ? event : nil
                }
                guard let input else { continue }
                needsDraw = true
                running = controller.handle(input)
                if !running { break }
            }
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

/// A thread-safe mailbox into the editor's UI loop: `post` from any thread; the loop
/// wakes (through a pipe it polls beside the keyboard) and applies the events.
final class EditorInbox: @unchecked Sendable {
    // A lock rather than an actor: the consumer is a plain thread blocked in poll(2),
    // which cannot await.
    private let lock = NSLock()
    private var events: [EditorEvent] = []
    private let wakeFD: Int32

    init(wakeFD: Int32) {
        self.wakeFD = wakeFD
    }

    /// Queues an event and wakes the UI loop.
    func post(_ event: EditorEvent) {
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
