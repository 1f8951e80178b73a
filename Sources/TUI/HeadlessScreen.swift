import CNcursesw
import EditorCore
import Foundation
import TextLayout

/// The editor's screen without a terminal: a curses screen that writes to
/// /dev/null, drawn by the same renderer as `qalam edit`, so benchmarks and tests
/// can time or inspect the whole keystroke-to-screen path.
///
/// Curses has one current screen per process: keep at most one `HeadlessScreen`
/// alive at a time, and use it from one thread.
public final class HeadlessScreen {
    private let terminal: Terminal
    private let renderer: ScreenRenderer
    private let geometry: ScreenGeometry

    /// A `rows` × `columns` screen with the presence panel (when it fits).
    /// - Throws: `TerminalError.setupFailed` when the `xterm-256color`
    ///   terminfo entry is missing.
    public init(rows: Int, columns: Int, documentName: String = "headless") throws {
        terminal = try Terminal(headlessRows: rows, columns: columns)
        renderer = ScreenRenderer(terminal: terminal, documentName: documentName)
        geometry = ScreenGeometry(rows: rows, columns: columns, showPanel: true)
    }

    deinit { terminal.restore() }

    /// The text area's width in cells (the screen minus the presence panel).
    public var textWidth: Int { geometry.textWidth }
    /// The text area's height in rows (the screen minus the status bar).
    public var textHeight: Int { geometry.textHeight }

    /// An editor state on `document` sized for this screen's text area.
    public func makeState(document: EditorDocument, options: LayoutOptions? = nil) -> EditorState {
        var layoutOptions = options ?? LayoutOptions(width: textWidth)
        layoutOptions.width = textWidth
        return EditorState(document: document, options: layoutOptions, height: textHeight)
    }

    /// Draws one full frame of `state`, as the editor does after every key.
    public func draw(_ state: EditorState, now: Date = Date()) {
        renderer.draw(state, geometry: geometry, now: now)
    }

    /// The characters curses holds for screen row `y` after the last frame,
    /// trailing blanks removed (for tests).
    public func row(_ y: Int) -> String {
        var buffer = [wchar_t](repeating: 0, count: geometry.columns + 1)
        guard wmove(stdscr, Int32(y), 0) != ERR,
            winnwstr(stdscr, &buffer, Int32(geometry.columns)) != ERR
        else { return "" }
        let scalars = buffer.prefix { $0 != 0 }.compactMap { Unicode.Scalar(UInt32(bitPattern: $0)) }
        var text = String(String.UnicodeScalarView(scalars))
        while text.last == " " { text.removeLast() }
        return text
    }
}
